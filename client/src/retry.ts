/**
 * When the client tries a request again, and how long it waits first.
 */

/**
 * How a client retries: `false` never does; otherwise up to `retries` more attempts, `backoff(attempt)` ms apart.
 *
 * @example new GeoCache({ url, retry: { retries: 5, backoff: (attempt) => 100 * 2 ** attempt } });
 */
export type RetryOption = false | { retries?: number; backoff?: (attempt: number) => number };

/**
 * A retry option with its defaults filled in.
 *
 * @example const { retries, backoff } = retryPolicy({ retries: 2 });
 */
export interface RetryPolicy {
  retries: number;
  backoff: (attempt: number) => number;
}

/** Answers worth another attempt: rate limited, or a gateway or the service briefly unavailable. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Full-jitter exponential backoff: a delay drawn uniformly from
 * `[0, min(capMs, baseMs * 2^attempt))`, so that many clients that failed
 * together do not retry together.
 *
 * @example new GeoCache({ url, retry: { retries: 5, backoff: fullJitter(100, 5_000) } });
 */
export function fullJitter(baseMs = 50, capMs = 2_000): (attempt: number) => number {
  return function fullJitterBackoff(attempt: number): number {
    return Math.floor(Math.random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30)));
  };
}

/**
 * The retry policy of a `retry` option: 3 retries with full jitter from 50 ms
 * up to 2 s by default, none for `false`.
 *
 * @example retryPolicy({ retries: 1 }) // { retries: 1, backoff: fullJitter() }
 */
export function retryPolicy(option: RetryOption | undefined): RetryPolicy {
  if (option === false) return { retries: 0, backoff: () => 0 };
  const retries = option?.retries ?? 3;
  // NaN or a fraction would retry without end, or by surprise: the count must be a whole number.
  if (!Number.isSafeInteger(retries) || retries < 0) throw new TypeError(`retry.retries must be a whole number, not ${retries}`);
  return { retries, backoff: option?.backoff ?? fullJitter() };
}

/**
 * A `Retry-After` header in ms: delay-seconds or an HTTP date; null when
 * absent or unreadable.
 *
 * @example retryAfterMs("2") // 2000
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === "") return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
