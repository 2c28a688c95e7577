import { describe, expect, it } from "vitest";
import { check } from "../support/linearizability/checker";
import { HistoryRecorder, type PendingOperation } from "../support/linearizability/history";
import { registerModel, type RegisterInput, type RegisterOutput } from "../support/linearizability/model";
import { keyUrl, REGIONS, uniqueKey } from "./helpers";

const CLIENTS = 6;
const OPERATIONS_PER_CLIENT = 60;
const KEYS = 3;
/** A request without an answer by then has an unknown outcome. */
const REQUEST_TIMEOUT_MS = 5_000;
/** Clients start no new operation after this long, so the test stays bounded in time. */
const RUN_BUDGET_MS = 12_000;
/** The checker gives up (verdict "unknown", a failure) after this long. */
const CHECK_BUDGET_MS = 5_000;

type Outcome = { output: RegisterOutput } | { unknown: string } | { unexpected: string };

/** An answer that does not have the shape the API promises. */
class MalformedAnswer extends Error {}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** The version a JSON body names: `{"version"}`, or `{"error":{"currentVersion"}}` of a 412. */
async function jsonVersion(response: Response, field: "version" | "currentVersion"): Promise<number> {
  const body = (await response.json()) as { version?: unknown; error?: { currentVersion?: unknown } };
  const version = field === "version" ? body.version : body.error?.currentVersion;
  if (typeof version !== "number") throw new MalformedAnswer(`no ${field} in the answer: ${JSON.stringify(body)}`);
  return version;
}

/** The version of a read, from `X-Version`; undefined when the answer has none. */
function headerVersion(response: Response): number | undefined {
  const header = response.headers.get("X-Version");
  return header === null ? undefined : Number(header);
}

/**
 * Sends one operation over HTTP from `region` and turns the answer into the
 * model's terms. A timeout, a network error or a 5xx is an unknown outcome
 * (a write may have been applied); any other status the model does not
 * expect is `unexpected`.
 */
async function run(key: string, input: RegisterInput, region: string): Promise<Outcome> {
  const headers: Record<string, string> = { "X-Region": region };
  const expected = input.op === "cas" || input.op === "delete" ? input.expected : undefined;
  if (expected !== undefined) headers["If-Match"] = `"${expected}"`;
  const init: RequestInit = { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  if (input.op === "get") {
    headers["X-Consistency"] = "strong";
  } else if (input.op === "delete") {
    init.method = "DELETE";
  } else {
    init.method = "PUT";
    init.body = input.value;
    headers["Content-Type"] = "text/plain; charset=utf-8";
  }

  let response: Response;
  try {
    response = await fetch(keyUrl(key), init);
    const { status } = response;
    if (status >= 500) {
      await response.arrayBuffer();
      return { unknown: `${status}` };
    }
    if (status === 200 && input.op === "get") {
      const version = headerVersion(response);
      const value = await response.text();
      if (version === undefined) throw new MalformedAnswer("a read without X-Version");
      return { output: { status, version, value } };
    }
    if (status === 200) return { output: { status, version: await jsonVersion(response, "version") } };
    if (status === 404 && (input.op === "get" || (input.op === "delete" && expected === undefined))) {
      const version = headerVersion(response);
      await response.arrayBuffer();
      return { output: version === undefined ? { status } : { status, version } };
    }
    if (status === 412 && expected !== undefined) {
      return { output: { status, currentVersion: await jsonVersion(response, "currentVersion") } };
    }
    return { unexpected: `${status} ${await response.text()}` };
  } catch (error) {
    if (error instanceof MalformedAnswer) return { unexpected: error.message };
    const name = (error as { name?: string }).name;
    return { unknown: name === "TimeoutError" ? "timeout" : `network error: ${String(error)}` };
  }
}

/** What a client asks next: mostly reads, plain writes and CAS from the version it last saw. */
function nextInput(client: number, n: number, lastSeen: number): RegisterInput {
  const value = `c${client}-${n}`;
  const roll = Math.random();
  if (roll < 0.3) return { op: "get" };
  if (roll < 0.5) return { op: "put", value };
  if (roll < 0.8) return { op: "cas", expected: lastSeen, value };
  if (roll < 0.9) return { op: "delete" };
  return { op: "delete", expected: lastSeen };
}

/** The version an answer reveals, if any. */
function versionSeen(output: RegisterOutput): number | undefined {
  return output.status === 412 ? output.currentVersion : output.version;
}

describe("linearizability of the strong mode over real HTTP", () => {
  it("explains every answer of concurrent put, strong get, CAS and delete by one order of the operations", async () => {
    const keys = Array.from({ length: KEYS }, (_, i) => uniqueKey(`linearizability-${i}`));
    const history = new HistoryRecorder<RegisterInput, RegisterOutput>();
    const unexpected: string[] = [];
    const started = performance.now();

    async function client(id: number): Promise<void> {
      const lastSeen = new Map<string, number>();
      for (let n = 0; n < OPERATIONS_PER_CLIENT && performance.now() - started < RUN_BUDGET_MS; n++) {
        const key = pick(keys);
        const input = nextInput(id, n, lastSeen.get(key) ?? 0);
        const pending: PendingOperation<RegisterOutput> = history.invoke(`client-${id}`, key, input);
        const outcome = await run(key, input, pick(REGIONS));
        if ("output" in outcome) {
          pending.complete(outcome.output);
          const seen = versionSeen(outcome.output);
          if (seen !== undefined) lastSeen.set(key, seen);
        } else if ("unknown" in outcome) {
          pending.unknown(outcome.unknown);
        } else {
          pending.unknown(outcome.unexpected);
          unexpected.push(`${registerModel.describeOperation(input, undefined)} on ${key}: ${outcome.unexpected}`);
        }
      }
    }

    await Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(id)));
    const recordedMs = performance.now() - started;
    const operations = history.operations();
    const result = check(registerModel, operations, { timeoutMs: CHECK_BUDGET_MS });

    const count = (what: (input: RegisterInput, output: RegisterOutput | undefined) => boolean) =>
      operations.filter((op) => what(op.input, op.output)).length;
    const casWon = count((input, output) => input.op === "cas" && output?.status === 200);
    const casLost = count((input, output) => input.op === "cas" && output?.status === 412);
    console.log(
      `linearizability: ${result.operations} operations checked on ${result.keys} keys by ${CLIENTS} clients ` +
        `(${count((i) => i.op === "get")} strong gets, ${count((i) => i.op === "put")} puts, ` +
        `${casWon} CAS won and ${casLost} refused, ${count((i) => i.op === "delete")} deletes); ` +
        `${result.unknownOutcomes} unknown outcomes, ${unexpected.length} unexpected answers, ` +
        `${result.violations.length} violations; verdict ${result.verdict}; ` +
        `recorded in ${recordedMs.toFixed(0)} ms, checked in ${result.elapsedMs.toFixed(0)} ms (${result.steps} steps)`,
    );
    for (const violation of result.violations) console.log(violation.message);

    expect(unexpected).toEqual([]);
    expect(result.violations.map((v) => v.message)).toEqual([]);
    expect(result.verdict).toBe("linearizable");
    // The history exercised both sides of CAS, so the check was not vacuous.
    expect(casWon).toBeGreaterThan(0);
    expect(casLost).toBeGreaterThan(0);
  });
});
