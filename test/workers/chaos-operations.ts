import type { Model, RegisterInput, RegisterOutput, RegisterState } from "../support/linearizability/model";
import { registerModel } from "../support/linearizability/model";
import { call, keyPath } from "./helpers";

/** The chaos clients' operations: the register's, and `incr` (`POST /v1/keys/{key}/incr`). */
export type ChaosInput = RegisterInput | { op: "incr"; by: number };

/** The register's answers, an increment's (200 with the counter as `value`), and 409 to an increment of a value that is no counter. */
export type ChaosOutput = RegisterOutput | { status: 409 };

/** What came of one operation: its answer, an unknown outcome (5xx, timeout), or an answer the API does not promise. */
export type ChaosOutcome = { output: ChaosOutput } | { unknown: string } | { unexpected: string };

const COUNTER = /^-?(0|[1-9]\d*)$/;

/** The counter a value holds, as the primary reads it, or null when it holds none. */
function counterOf(value: string): number | null {
  const text = value.trim();
  if (!COUNTER.test(text)) return null;
  const counter = Number(text);
  return Number.isSafeInteger(counter) ? counter : null;
}

/**
 * The versioned register with counters: `incr` adds `by` to the counter a
 * live value holds (0 when the key does not exist) and commits it at the
 * next version; on a value that is no counter it answers 409 and changes
 * nothing.
 *
 * @example chaosModel.step({ exists: false, value: "", version: 3 }, { op: "incr", by: 2 }, { status: 200, version: 4, value: "2" })
 */
export const chaosModel: Model<RegisterState, ChaosInput, ChaosOutput> = {
  ...(registerModel as unknown as Model<RegisterState, ChaosInput, ChaosOutput>),

  step(state, input, output) {
    if (input.op !== "incr") {
      if (output?.status === 409) return undefined;
      return registerModel.step(state, input, output as RegisterOutput | undefined);
    }
    const current = state.exists ? counterOf(state.value) : 0;
    if (current === null) return output === undefined || output.status === 409 ? state : undefined;
    const next: RegisterState = { exists: true, value: String(current + input.by), version: state.version + 1 };
    if (output === undefined) return next;
    return output.status === 200 && output.version === next.version && output.value === next.value ? next : undefined;
  },

  readOnly: (input) => input.op === "get",

  describeOperation(input, output) {
    if (input.op !== "incr") return registerModel.describeOperation(input, output as RegisterOutput | undefined);
    if (output === undefined) return `incr(${input.by}) → unknown`;
    return output.status === 200 ? `incr(${input.by}) → 200 ${output.value} v${output.version}` : `incr(${input.by}) → ${output.status}`;
  },
};

/** An answer that does not have the shape the API promises. */
class MalformedAnswer extends Error {}

async function jsonField(response: Response, read: (body: Record<string, unknown>) => unknown, what: string): Promise<number> {
  const body = (await response.json()) as Record<string, unknown>;
  const value = read(body);
  if (typeof value !== "number") throw new MalformedAnswer(`no ${what} in the answer: ${JSON.stringify(body)}`);
  return value;
}

/** The request an operation is, from `region`; a write carries its `Idempotency-Key`. */
function requestOf(key: string, input: ChaosInput, region: string, idempotencyKey?: string): { path: string; init: RequestInit } {
  const headers: Record<string, string> = { "X-Region": region };
  if (idempotencyKey !== undefined && input.op !== "get") headers["Idempotency-Key"] = idempotencyKey;
  if ((input.op === "cas" || input.op === "delete") && input.expected !== undefined) headers["If-Match"] = `"${input.expected}"`;
  switch (input.op) {
    case "get":
      headers["X-Consistency"] = "strong";
      return { path: keyPath(key), init: { headers } };
    case "delete":
      return { path: keyPath(key), init: { method: "DELETE", headers } };
    case "incr":
      headers["Content-Type"] = "application/json";
      return { path: `${keyPath(key)}/incr`, init: { method: "POST", headers, body: JSON.stringify({ by: input.by }) } };
    default:
      headers["Content-Type"] = "text/plain; charset=utf-8";
      return { path: keyPath(key), init: { method: "PUT", headers, body: input.value } };
  }
}

/**
 * Sends one operation through the worker and turns the answer into the
 * model's terms. A 5xx, or no answer within `timeoutMs`, is an unknown
 * outcome (a write may have been applied); any other status the model does
 * not expect is `unexpected`. A write sent again with the same
 * `idempotencyKey` is applied at most once and answers as the first time.
 */
export async function runOperation(
  key: string,
  input: ChaosInput,
  region: string,
  timeoutMs: number,
  idempotencyKey?: string,
): Promise<ChaosOutcome> {
  const { path, init } = requestOf(key, input, region, idempotencyKey);
  const conditional = (input.op === "cas" || input.op === "delete") && input.expected !== undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  try {
    const response = await Promise.race([call(path, init), timeout]);
    if (response === "timeout") return { unknown: "timeout" };
    const { status } = response;
    if (status >= 500) {
      await response.arrayBuffer();
      return { unknown: String(status) };
    }
    if (status === 200 && input.op === "get") {
      const version = Number(response.headers.get("X-Version"));
      return { output: { status, version, value: await response.text() } };
    }
    if (status === 200 && input.op === "incr") {
      const body = (await response.json()) as { value?: unknown; version?: unknown };
      if (typeof body.value !== "number" || typeof body.version !== "number") throw new MalformedAnswer(JSON.stringify(body));
      return { output: { status, version: body.version, value: String(body.value) } };
    }
    if (status === 200) return { output: { status, version: await jsonField(response, (b) => b.version, "version") } };
    if (status === 404 && (input.op === "get" || (input.op === "delete" && !conditional))) {
      const header = response.headers.get("X-Version");
      await response.arrayBuffer();
      return { output: header === null ? { status } : { status, version: Number(header) } };
    }
    if (status === 412 && conditional) {
      const currentVersion = await jsonField(response, (b) => (b.error as { currentVersion?: unknown })?.currentVersion, "currentVersion");
      return { output: { status, currentVersion } };
    }
    if (status === 409 && input.op === "incr") {
      await response.arrayBuffer();
      return { output: { status } };
    }
    return { unexpected: `${status} ${await response.text()}` };
  } catch (error) {
    if (error instanceof MalformedAnswer) return { unexpected: error.message };
    return { unknown: `error: ${String(error)}` };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** The version an answer reveals, if any. */
export function versionSeen(output: ChaosOutput): number | undefined {
  if (output.status === 409) return undefined;
  return output.status === 412 ? output.currentVersion : output.version;
}
