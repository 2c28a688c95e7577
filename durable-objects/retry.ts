/**
 * When and how long to retry a Durable Object call.
 *
 * Cloudflare marks the errors a caller may retry: `.retryable` is set on
 * transient failures (a network blip, an object that was reset), and
 * `.overloaded` on an object that is shedding load, where a retry would only
 * add to the storm. Retries always go through a fresh stub, because a stub
 * that saw a reset stays broken.
 */

/** The parts of a Durable Object error that decide whether to retry it. */
interface DurableObjectErrorFlags {
  retryable?: boolean;
  overloaded?: boolean;
  remote?: boolean;
}

function flagsOf(error: unknown): DurableObjectErrorFlags {
  return typeof error === "object" && error !== null ? (error as DurableObjectErrorFlags) : {};
}

/** True for an error Cloudflare marks retryable and not overloaded. */
export function isRetryable(error: unknown): boolean {
  const flags = flagsOf(error);
  return flags.retryable === true && flags.overloaded !== true;
}

/** True for an error raised because the object is overloaded. */
export function isOverloaded(error: unknown): boolean {
  return flagsOf(error).overloaded === true;
}

export interface BackoffPolicy {
  /** The delay ceiling of the first retry, in ms. */
  baseMs: number;
  /** No delay ceiling grows past this, in ms. */
  capMs: number;
}

/**
 * Full-jitter exponential backoff: a delay drawn uniformly from
 * `[0, min(cap, base * 2^attempt))`. Spreading retries over the whole window
 * keeps many callers that failed together from retrying together.
 *
 * @example fullJitterDelay(3, { baseMs: 100, capMs: 10_000 }) // somewhere in [0, 800)
 */
export function fullJitterDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `operation` and retries it while it fails with a retryable error, up
 * to `retries` more times, sleeping a full-jitter delay in between. The
 * operation is called anew each time, so it should build a fresh stub.
 *
 * @example
 * const record = await withRetries(() => primaryStub().read(ref), { retries: 2, baseMs: 20, capMs: 200 });
 */
export async function withRetries<T>(operation: () => Promise<T>, policy: BackoffPolicy & { retries: number }): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= policy.retries || !isRetryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, fullJitterDelay(attempt, policy)));
    }
  }
}
