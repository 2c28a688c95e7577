import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Region } from "../durable-objects/topology";
import { entryId } from "../durable-objects/topology";
import type { WriteFailure, WriteOutcome, WriteRequest } from "../durable-objects/write";
import { ApiError, type ErrorCode } from "./errors";
import type { RegionVariables } from "./middleware/region";
import type { SessionVariables } from "./middleware/session";
import { callObject } from "./object-call";
import { settingsFor } from "./settings";

type WriteContext = Context<{ Bindings: Env; Variables: RegionVariables & SessionVariables }>;
export type AppliedWrite = Extract<WriteOutcome, { ok: true }>;

/** What a refusal's message may tell: the key's version, whether a live value is at it, and for `incr` whether it would overflow. */
type Refusal = { currentVersion: number; exists: boolean; overflow: boolean };

const FAILURES: Record<WriteFailure, { status: ContentfulStatusCode; code: ErrorCode; message: (key: string, refusal: Refusal) => string }> = {
  precondition_failed: {
    status: 412,
    code: "precondition_failed",
    message: (key, { currentVersion, exists }) =>
      exists
        ? `key "${key}" is at version ${currentVersion}; the precondition does not hold`
        : currentVersion === 0
          ? `key "${key}" does not exist`
          : `key "${key}" does not exist: it was deleted or expired, at version ${currentVersion}`,
  },
  not_found: { status: 404, code: "not_found", message: (key) => `key "${key}" does not exist` },
  not_an_integer: {
    status: 409,
    code: "not_an_integer",
    message: (key, { overflow }) =>
      overflow
        ? `key "${key}" holds a whole number, but this increment would take it past ±(2^53 − 1)`
        : `key "${key}" does not hold a whole number in decimal text within ±(2^53 − 1)`,
  },
  idempotency_key_reused: {
    status: 422,
    code: "idempotency_key_reused",
    message: () => "this Idempotency-Key was first used for a different kind of write",
  },
};

/**
 * Sends a write to its key's primary and answers for it: a refusal becomes
 * its API error (412 carries the current version); an applied write purges
 * this data center's edge copy before it is acknowledged, is recorded in the
 * session, and answers with its version.
 */
export async function performWrite(c: WriteContext, request: WriteRequest): Promise<AppliedWrite> {
  const { placement, edge } = settingsFor(c.env);
  const region: Region = c.get("region");
  const { ref } = request;
  // RPC typing does not carry a discriminated union through; the primary answers a WriteOutcome.
  const outcome = await callObject(
    () => placement.primary(ref, region).write(request, region) as Promise<WriteOutcome & { homeRegion: Region }>,
    // A write that carries an idempotency key can be retried: the primary applies it at most once.
    { idempotent: request.idempotencyKey !== undefined },
  );
  await settingsFor(c.env).network?.travel(outcome.homeRegion, region);
  if (!outcome.ok) {
    const failure = FAILURES[outcome.code];
    // Answers stored for an idempotency key before `exists` was recorded lack it.
    const refusal: Refusal = { currentVersion: outcome.currentVersion, exists: outcome.exists ?? outcome.currentVersion > 0, overflow: outcome.overflow === true };
    const details = outcome.code === "precondition_failed" ? { currentVersion: refusal.currentVersion, exists: refusal.exists } : {};
    const message = failure.message(ref.key, refusal);
    // Like a read's 404, a refusal names the key's version: it says the key's primary answered, not that no such path exists.
    throw new ApiError(failure.status, failure.code, message, { "X-Version": String(outcome.currentVersion) }, undefined, details);
  }
  if (edge.enabled) await edge.purge(region, ref, outcome.version);
  c.get("session").observe(entryId(ref.namespace, ref.key), outcome.version);
  c.header("ETag", `"${outcome.version}"`);
  c.header("X-Version", String(outcome.version));
  if (outcome.replayed) c.header("Idempotent-Replayed", "true");
  return outcome;
}
