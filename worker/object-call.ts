import { isOverloaded, withRetries } from "../durable-objects/retry";
import { ApiError } from "./errors";

/** How often an idempotent call is retried, and how long it backs off. */
const IDEMPOTENT_RETRIES = { retries: 2, baseMs: 20, capMs: 250 };

/** Seconds a client is asked to wait after a 503. */
const RETRY_AFTER_SECONDS = "1";

/**
 * Calls a Durable Object and turns its failures into API errors: 503 with
 * `Retry-After` when the object is overloaded or unreachable. Idempotent
 * calls (reads, and writes that carry an `Idempotency-Key`, which the
 * primary applies at most once) are retried where Cloudflare marks the error
 * retryable and not overloaded, through a fresh stub each time; other writes
 * are not, since a write whose answer was lost may have been applied.
 *
 * @example
 * const record = await callObject(() => placement.primary(ref).read(ref), { idempotent: true });
 */
export async function callObject<T>(operation: () => Promise<T>, options: { idempotent: boolean }): Promise<T> {
  try {
    return await (options.idempotent ? withRetries(operation, IDEMPOTENT_RETRIES) : operation());
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const overloaded = isOverloaded(error);
    // One line, no stack: a stack is source-mapped by local tooling, which costs more than the call.
    console.error(`${overloaded ? "durable object overloaded" : "durable object call failed"}: ${String(error)}`);
    throw new ApiError(
      503,
      overloaded ? "overloaded" : "unavailable",
      overloaded
        ? "the key's storage is overloaded; retry after a moment"
        : "the key's storage could not be reached; retry after a moment",
      { "Retry-After": RETRY_AFTER_SECONDS },
      error,
    );
  }
}
