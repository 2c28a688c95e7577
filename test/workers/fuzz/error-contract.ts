import { expect } from "vitest";
import type { ErrorCode } from "../../../worker/errors";

/**
 * The status each error code is documented with (README, "Errors"). A
 * `Record` over `ErrorCode`, so a code added to the worker without a status
 * here fails the type check. `misconfigured` and `internal` are the 500s the
 * fuzzer must never see.
 */
export const DOCUMENTED_STATUS: Record<ErrorCode, number> = {
  invalid_key: 400,
  invalid_consistency: 400,
  invalid_region: 400,
  invalid_header: 400,
  invalid_session: 400,
  invalid_body: 400,
  missing_token: 401,
  invalid_token: 401,
  token_in_url: 401,
  auth_not_configured: 401,
  insufficient_scope: 403,
  not_found: 404,
  method_not_allowed: 405,
  not_an_integer: 409,
  precondition_failed: 412,
  value_too_large: 413,
  idempotency_key_reused: 422,
  rate_limited: 429,
  misconfigured: 500,
  internal: 500,
  unavailable: 503,
  overloaded: 503,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; currentVersion?: number };
}

/** Requests sent and their answers, by status and by error code, for the figures a run prints. */
export class StatusTally {
  readonly byStatus = new Map<number, number>();
  readonly byCode = new Map<string, number>();
  requests = 0;

  count(status: number, code?: string): void {
    this.requests++;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    if (code !== undefined) this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
  }

  /** Counts by class (`2xx: 120`), then by status and by code, one line each. */
  summary(): string {
    const classes = new Map<string, number>();
    for (const [status, n] of this.byStatus) classes.set(`${Math.floor(status / 100)}xx`, (classes.get(`${Math.floor(status / 100)}xx`) ?? 0) + n);
    const list = (entries: Iterable<[string | number, number]>) =>
      [...entries].sort(([a], [b]) => String(a).localeCompare(String(b))).map(([k, n]) => `${k}: ${n}`).join(", ");
    return [
      `${this.requests} requests; by class ${list(classes)}`,
      `  by status ${list(this.byStatus)}`,
      `  by code ${list(this.byCode)}`,
    ].join("\n");
  }
}

/**
 * Checks an answer against the error contract: never a 5xx, and every
 * status from 400 up a JSON error `{"error":{"code","message"}}` whose code
 * is documented with that very status (a HEAD answer has no body: its
 * Content-Type is checked). Answers the error body, or null for a success.
 */
export async function checkErrorContract(method: string, response: Response, tally: StatusTally): Promise<ErrorBody | null> {
  const { status } = response;
  expect(status, "no request may cause a 5xx").toBeLessThan(500);
  if (status < 400) {
    tally.count(status);
    await response.arrayBuffer();
    return null;
  }
  expect(response.headers.get("Content-Type"), `a ${status} is JSON`).toMatch(/^application\/json/);
  if (status === 405) expect(response.headers.get("Allow"), "a 405 lists the methods allowed").toMatch(/^[A-Z]+(, [A-Z]+)*$/);
  if (status === 401) expect(response.headers.get("WWW-Authenticate"), "a 401 names the scheme").toMatch(/^Bearer /);
  if (status === 429) expect(response.headers.get("Retry-After"), "a 429 says when to retry").toMatch(/^\d+$/);
  if (method.toUpperCase() === "HEAD") {
    tally.count(status);
    return null;
  }
  const body = (await response.json()) as ErrorBody;
  expect(Object.keys(body), "the error is the only field").toEqual(["error"]);
  expect(typeof body.error.message === "string" && body.error.message.length > 0, "the error has a message").toBe(true);
  expect(body.error.code in DOCUMENTED_STATUS, `"${body.error.code}" is a documented code`).toBe(true);
  expect(status, `the status documented for "${body.error.code}"`).toBe(DOCUMENTED_STATUS[body.error.code]);
  tally.count(status, body.error.code);
  return body;
}
