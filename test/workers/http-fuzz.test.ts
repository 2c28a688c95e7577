import fc from "fast-check";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { ErrorCode } from "../../worker/errors";
import { SessionToken } from "../../worker/session-token";
import { TEST_TOKENS } from "../support/tokens";
import { checkErrorContract, StatusTally } from "./fuzz/error-contract";
import { fetchWorker } from "./fuzz/fetch-worker";
import { LIMIT_CASES, type LimitCase, type LimitRequest } from "./fuzz/limit-cases";
import { authorizationFor, fuzzRequestArbitrary, toRequest, type FuzzRequest } from "./fuzz/request-arbitraries";
import { placement } from "./helpers";
import { emptyModel, storeCommands, type ModelFigures } from "./fuzz/store-commands";

/**
 * HTTP fuzzing of the worker through its own fetch handler (`fetchWorker`), in three
 * properties: generated requests (methods, paths, percent-encodings, query
 * strings, headers, credentials, bodies) never get a 5xx, every error is a
 * JSON error with its documented status, and a refused request changes
 * nothing; every documented limit is served at and refused one past; and a
 * model of the store agrees with every write's answer and strong read.
 *
 * Each run prints its seed; fast-check prints seed and path on a failure.
 * Replay a seed with `FUZZ_SEED=<seed> npm run test:fuzz`.
 */

declare module "vitest" {
  export interface ProvidedContext {
    /** A seed to replay (`FUZZ_SEED`), or "" for a fresh one. */
    fuzzSeed?: string;
  }
}

const ORIGIN = "https://geocache.test";
const NAMESPACES = ["default", "acme", "globex"] as const;
const CREDENTIAL_PARAMS = ["token", "access_token", "api_key", "apikey", "auth"];
const SCOPE_RANK = { read: 0, write: 1, admin: 2 } as const;
const WRITE_METHODS = new Set(["PUT", "DELETE", "POST"]);

/** The seed of this run: a replayed one when given, else a fresh one, printed either way. */
const replayed = Number(inject("fuzzSeed"));
const seed = Number.isSafeInteger(replayed) && inject("fuzzSeed") ? replayed : Date.now() % 2 ** 31;
const run = `fz${seed.toString(36)}-${crypto.randomUUID().slice(0, 6)}-`;
const tallies = { requests: new StatusTally(), limits: new StatusTally(), model: new StatusTally() };
const modelFigures: ModelFigures = { runs: 0, commands: 0, reads: 0, writes: 0, expiredReads: 0, copyReads: 0 };

afterAll(() => {
  console.log(
    [
      `http fuzz, seed ${seed}`,
      `generated requests: ${tallies.requests.summary()}`,
      `limits at and past: ${tallies.limits.summary()}`,
      `store model: ${modelFigures.runs} runs, ${modelFigures.commands} commands; ${modelFigures.writes} write answers and ${modelFigures.reads} strong reads agreed with the model, ${modelFigures.expiredReads} of the reads after a TTL ran out; ${modelFigures.copyReads} session and eventual reads served copies the primary held, none older than the session had seen`,
      `  ${tallies.model.summary()}`,
    ].join("\n"),
  );
});

/** What every tenant's primary holds for `key`: version, value digest, type and expiry. */
async function holdings(key: string): Promise<string[]> {
  return Promise.all(
    NAMESPACES.map(async (namespace) => {
      const ref = { namespace, key };
      const { record } = await placement.primary(ref).read(ref);
      const digest = record.value === null ? "none" : btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("SHA-1", record.value))));
      return `${namespace}: v${record.version} ${digest} ${record.contentType} ${record.expiresAt}`;
    }),
  );
}

/** The namespace a request acts in, when its credentials are accepted. */
function namespaceOf(request: FuzzRequest): string {
  return request.auth === "none" || request.auth === "unknown" || request.auth === "malformed" ? "default" : TEST_TOKENS[request.auth].namespace;
}

/**
 * The refusal the access rules (README, "Access") demand for a request
 * before anything else is looked at, or null when its credentials pass:
 * a token in the URL or a bad token → 401, a scope short of the route or of
 * `X-Region` → 403. Requests without a token act as admin in this pool.
 */
function accessRefusal(request: FuzzRequest): [number, ErrorCode] | null {
  const url = new URL(`${ORIGIN}${request.url}`);
  const method = request.method.toUpperCase();
  // A token in the URL is refused on every path and method, the public ones and preflights included.
  if (CREDENTIAL_PARAMS.some((name) => url.searchParams.has(name))) return [401, "token_in_url"];
  if (!url.pathname.startsWith("/v1/") || url.pathname === "/v1/health" || method === "OPTIONS") return null;
  if (request.auth === "unknown" || request.auth === "malformed") return [401, "invalid_token"];
  const held = request.auth === "none" ? "admin" : TEST_TOKENS[request.auth].scope;
  const adminPath = url.pathname === "/v1/stats" || url.pathname.startsWith("/v1/admin/");
  const needed = adminPath ? "admin" : url.pathname.startsWith("/v1/keys/") && !["GET", "HEAD"].includes(method) ? "write" : "read";
  if (SCOPE_RANK[held] < SCOPE_RANK[needed]) return [403, "insufficient_scope"];
  if ((request.headers["X-Region"]?.trim() ?? "") !== "" && held !== "admin") return [403, "insufficient_scope"];
  return null;
}

/** Whether the request's `X-Session` (if any) is a token the worker reads: only then is one answered back. */
function readableSession(headers: Record<string, string>): boolean {
  const sent = Object.entries(headers).find(([name]) => name.toLowerCase() === "x-session")?.[1];
  try {
    SessionToken.parse(sent?.trim());
    return true;
  } catch {
    return false;
  }
}

function describeRequest(request: FuzzRequest): string {
  const body = request.body === null ? "" : ` body=${JSON.stringify(request.body).slice(0, 120)}`;
  return `${request.method} ${request.url.slice(0, 160)} ${JSON.stringify(request.headers).slice(0, 300)}${body}`;
}

/** Sends a limit case's request with the caller's credentials. */
function sendLimit(request: LimitRequest, auth: FuzzRequest["auth"]): Promise<Response> {
  const authorization = authorizationFor(auth, 0);
  const body: FuzzRequest["body"] =
    request.body === undefined ? null : typeof request.body === "string" ? { kind: "text", text: request.body } : { kind: "bytes", size: request.body.bytes, chunked: request.body.chunked };
  const headers = { ...request.headers, ...(authorization ? { Authorization: authorization } : {}) };
  return fetchWorker(toRequest(ORIGIN, { method: request.method, url: request.url, headers, auth, body }));
}

/** One past the limit: refused as documented, nothing changed; at the limit: served. */
async function checkLimit(limit: LimitCase, auth: FuzzRequest["auth"], key: string): Promise<void> {
  const past = limit.past(key);
  const before = past.key === undefined ? null : await holdings(past.key);
  const refused = await sendLimit(past, auth);
  const error = await checkErrorContract(past.method, refused, tallies.limits);
  expect([refused.status, error?.error.code], `${limit.name} one past the limit (as ${auth})`).toEqual(limit.refused);
  if (before !== null) expect(await holdings(past.key!), `${limit.name}: the refusal changed nothing`).toEqual(before);

  const at = limit.at(key);
  const served = await sendLimit(at, auth);
  const detail = served.status >= 400 ? await served.clone().text() : "";
  await checkErrorContract(at.method, served, tallies.limits);
  expect(limit.atStatuses, `${limit.name} at the limit (as ${auth}): ${served.status} ${detail}`).toContain(served.status);
}

describe("HTTP fuzzing: generated requests against the worker", () => {
  it("never answers 5xx; every error is a documented JSON error; access is refused as documented; a refusal changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fuzzRequestArbitrary(run), async (request) => {
        const before = request.key === undefined ? null : await holdings(request.key);
        const response = await fetchWorker(toRequest(ORIGIN, request));
        const status = response.status;
        const error = await checkErrorContract(request.method, response, tallies.requests);
        const method = request.method.toUpperCase();
        const { pathname } = new URL(`${ORIGIN}${request.url}`);
        if (status === 405) expect(response.headers.get("Allow")!.split(", "), "Allow leaves out the method refused").not.toContain(method);
        // Every answer carries the token back, refusals of access included, but for a token in the URL (refused before anything,
        // and a HEAD's 401 has no body to tell which it was) and a malformed token (the client's own is the one to mend).
        const carriesNoToken = error?.error.code === "token_in_url" || (method === "HEAD" && status === 401) || !readableSession(request.headers);
        if (!carriesNoToken && method !== "OPTIONS" && pathname.startsWith("/v1/")) {
          expect(response.headers.get("X-Session"), `${describeRequest(request)} → ${status} carries the session token`).toMatch(/^[A-Za-z0-9_-]+$/);
        }
        const refusal = accessRefusal(request);
        if (refusal) {
          expect(status, describeRequest(request)).toBe(refusal[0]);
          if (error) expect(error.error.code).toBe(refusal[1]);
        } else if (pathname.startsWith("/v1/")) {
          expect([401, 403, 429], `${describeRequest(request)} passes access control`).not.toContain(status);
        }
        if (before === null || request.key === undefined) return;
        const after = await holdings(request.key);
        const applied = status === 200 && WRITE_METHODS.has(method);
        if (!applied) {
          expect(after, `${describeRequest(request)} → ${status} changed nothing`).toEqual(before);
        } else {
          // A write changes its own tenant's copy only.
          const own = NAMESPACES.indexOf(namespaceOf(request) as (typeof NAMESPACES)[number]);
          expect(after.filter((_, i) => i !== own), `${describeRequest(request)} stayed in its tenant`).toEqual(before.filter((_, i) => i !== own));
        }
      }),
      // Bounded in count and, on a loaded machine, in time.
      { seed, numRuns: 500, interruptAfterTimeLimit: 12_000, endOnFailure: true },
    );
    expect(tallies.requests.requests, "requests sent").toBeGreaterThan(50);
  }, 30_000);

  it("serves a request at every limit and refuses one past it with the documented status, changing nothing", async () => {
    const everyCase = fc.shuffledSubarray(LIMIT_CASES, { minLength: LIMIT_CASES.length });
    const callers = fc.array(fc.constantFrom<FuzzRequest["auth"]>("none", "acmeWrite", "globexAdmin"), {
      minLength: LIMIT_CASES.length,
      maxLength: LIMIT_CASES.length,
    });
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(everyCase, callers, async (cases, auths) => {
        runs++;
        for (const [i, limit] of cases.entries()) await checkLimit(limit, auths[i]!, `${run}limit-${runs}-${i}-`);
      }),
      { seed, numRuns: 2, endOnFailure: true },
    );
  }, 30_000);

  it("a model of the store (versions, values, expiry) agrees with every write's answer and strong read; other reads serve only what the primary held, never behind the session", async () => {
    const suffixes = ["/", ":%", "\u0000", "a/../b", "ü🙂"];
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.commands(storeCommands(suffixes.length), { maxCommands: 40, size: "medium" }), async (commands) => {
        // Fresh keys per run: the model of every run starts from keys never written.
        const prefix = `${run}model-${runs++}-`;
        const keys = suffixes.map((suffix, i) => (i % 2 === 0 ? `${prefix}${suffix}` : `${suffix}${prefix}`));
        const real = { keys, tally: tallies.model, figures: modelFigures, idempotencyKeys: 0, session: "" };
        modelFigures.runs++;
        await fc.asyncModelRun(() => ({ model: emptyModel(keys.length), real }), commands);
      }),
      { seed, numRuns: 20, interruptAfterTimeLimit: 12_000, endOnFailure: true },
    );
    expect(modelFigures.reads, "strong reads checked against the model").toBeGreaterThan(0);
  }, 30_000);
});
