/**
 * The errors the client throws. Every one is a {@link GeoCacheError}, so one
 * `catch` handles them all, and a subclass per failure a caller treats
 * differently, so `instanceof` picks out the ones it cares about.
 */

/**
 * What every error carries besides its message.
 *
 * @example throw new GeoCacheError("the value is not JSON", { code: "invalid_json", cause: error });
 */
export interface GeoCacheErrorOptions {
  /** The HTTP status, or 0 when no answer arrived (network failure, timeout, abort). */
  status?: number;
  /** The API's machine-readable code (`not_found`, `value_too_large`, …) or the client's own (`network_error`, …). */
  code?: string;
  /** What went wrong underneath: the fetch failure, the abort reason. */
  cause?: unknown;
}

/**
 * The base of every error the client throws.
 *
 * @example
 * try {
 *   await cache.set("k", "v");
 * } catch (error) {
 *   if (error instanceof GeoCacheError) console.error(error.status, error.code, error.message);
 * }
 */
export class GeoCacheError extends Error {
  /** The HTTP status, or 0 when no answer arrived. */
  readonly status: number;
  /** A stable, machine-readable code. */
  readonly code: string;

  constructor(message: string, options: GeoCacheErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GeoCacheError";
    this.status = options.status ?? 0;
    this.code = options.code ?? "error";
  }
}

/**
 * 400: the request was malformed (a bad key, an unknown read mode or region, a bad header).
 *
 * @example await cache.get("k", { consistency: "sometimes" as never }).catch((e) => e instanceof BadRequestError); // true
 */
export class BadRequestError extends GeoCacheError {
  constructor(message: string, options: GeoCacheErrorOptions = {}) {
    super(message, { status: 400, code: "bad_request", ...options });
    this.name = "BadRequestError";
  }
}

/**
 * 401: no token, or one the service does not accept.
 *
 * @example if (error instanceof UnauthorizedError) console.error("set GEOCACHE_TOKEN");
 */
export class UnauthorizedError extends GeoCacheError {
  constructor(message: string, options: GeoCacheErrorOptions = {}) {
    super(message, { status: 401, code: "unauthorized", ...options });
    this.name = "UnauthorizedError";
  }
}

/**
 * 403: the token may not do this.
 *
 * @example if (error instanceof ForbiddenError) console.error("this token is read-only");
 */
export class ForbiddenError extends GeoCacheError {
  constructor(message: string, options: GeoCacheErrorOptions = {}) {
    super(message, { status: 403, code: "forbidden", ...options });
    this.name = "ForbiddenError";
  }
}

/**
 * 404: no such key, or no such path. `get` answers `null` and `delete`
 * `false` instead of throwing it for a missing key, and a conditional
 * `delete` of a missing key throws it (its `cause` the service's
 * {@link PreconditionFailedError}, with the key's version); a 404
 * that is not the key's own answer (a URL that is no geocache, or a path
 * prefix the service does not serve) is thrown, so a misconfigured client
 * is not mistaken for an empty cache.
 *
 * @example await cache.health().catch((e) => e instanceof NotFoundError); // a URL that is no geocache
 */
export class NotFoundError extends GeoCacheError {
  /** Whether the key's own answer said it does not exist (the answer named its version, `X-Version`). */
  readonly keyMissing: boolean;

  constructor(message: string, options: GeoCacheErrorOptions & { keyMissing?: boolean } = {}) {
    const { keyMissing = false, ...rest } = options;
    super(message, { status: 404, code: "not_found", ...rest });
    this.name = "NotFoundError";
    this.keyMissing = keyMissing;
  }
}

/**
 * 409: the request conflicts with the stored value, e.g. `incr` on a value
 * that is not an integer (code `not_an_integer`).
 *
 * @example if (error instanceof ConflictError && error.code === "not_an_integer") await cache.set("n", "0");
 */
export class ConflictError extends GeoCacheError {
  constructor(message: string, options: GeoCacheErrorOptions = {}) {
    super(message, { status: 409, code: "conflict", ...options });
    this.name = "ConflictError";
  }
}

/**
 * 412: an `ifMatch` or `ifNoneMatch` condition did not hold. `currentVersion`
 * is the key's version now (0 when it was never written; for a deleted or
 * expired key, the version of its tombstone, which no `ifMatch` matches:
 * recreate it with `ifNoneMatch: "*"`), so a compare-and-set loop can retry
 * from there.
 *
 * @example
 * try {
 *   await cache.set("k", next, { ifMatch: seen });
 * } catch (error) {
 *   if (error instanceof PreconditionFailedError) seen = error.currentVersion;
 * }
 */
export class PreconditionFailedError extends GeoCacheError {
  /** The key's version when the write was refused; 0 when the key was never written. */
  readonly currentVersion: number;
  /** Whether the key held a live value then (false for one never written, deleted or expired). */
  readonly exists: boolean;

  constructor(message: string, currentVersion: number, options: GeoCacheErrorOptions & { exists?: boolean } = {}) {
    const { exists = currentVersion > 0, ...rest } = options;
    super(message, { status: 412, code: "precondition_failed", ...rest });
    this.name = "PreconditionFailedError";
    this.currentVersion = currentVersion;
    this.exists = exists;
  }
}

/**
 * 413: the value is larger than the service accepts (1 MiB at most).
 *
 * @example await cache.set("big", new Uint8Array(2 ** 21)).catch((e) => e instanceof PayloadTooLargeError); // true
 */
export class PayloadTooLargeError extends GeoCacheError {
  constructor(message: string, options: GeoCacheErrorOptions = {}) {
    super(message, { status: 413, code: "value_too_large", ...options });
    this.name = "PayloadTooLargeError";
  }
}

/**
 * 429: too many requests, still refused after the client's retries.
 * `retryAfterMs` is how long the service asked to wait (null if it did not say).
 *
 * @example if (error instanceof RateLimitedError) await sleep(error.retryAfterMs ?? 1000);
 */
export class RateLimitedError extends GeoCacheError {
  /** How long the service asked the caller to wait, in ms; null when it named no time. */
  readonly retryAfterMs: number | null;

  constructor(message: string, retryAfterMs: number | null, options: GeoCacheErrorOptions = {}) {
    super(message, { status: 429, code: "rate_limited", ...options });
    this.name = "RateLimitedError";
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * 502, 503 or 504: the service could not answer, still after the client's retries.
 *
 * @example if (error instanceof UnavailableError) serveFromLocalCopy();
 */
export class UnavailableError extends GeoCacheError {
  /** How long the service asked the caller to wait, in ms; null when it named no time. */
  readonly retryAfterMs: number | null;

  constructor(message: string, retryAfterMs: number | null, options: GeoCacheErrorOptions = {}) {
    super(message, { code: "unavailable", ...options });
    this.name = "UnavailableError";
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * No answer arrived: the connection failed or was cut. `cause` is the
 * underlying fetch error.
 *
 * @example if (error instanceof NetworkError) console.error("geocache unreachable:", error.cause);
 */
export class NetworkError extends GeoCacheError {
  constructor(message: string, options: GeoCacheErrorOptions = {}) {
    super(message, { status: 0, code: "network_error", ...options });
    this.name = "NetworkError";
  }
}

/**
 * An attempt took longer than `timeoutMs`, and so did every retry.
 *
 * @example new GeoCache({ url, timeoutMs: 500 }).get("k").catch((e) => e instanceof TimeoutError);
 */
export class TimeoutError extends GeoCacheError {
  constructor(message: string, options: GeoCacheErrorOptions = {}) {
    super(message, { status: 0, code: "timeout", ...options });
    this.name = "TimeoutError";
  }
}

/**
 * The caller's `signal` was aborted: the request was stopped and is not
 * retried. Its `name` is `"AbortError"`, like fetch's own, and `cause` is the
 * signal's reason.
 *
 * @example
 * const controller = new AbortController();
 * const read = cache.get("k", { signal: controller.signal });
 * controller.abort();
 * await read.catch((e) => e instanceof AbortedError); // true
 */
export class AbortedError extends GeoCacheError {
  constructor(message: string, options: GeoCacheErrorOptions = {}) {
    super(message, { status: 0, code: "aborted", ...options });
    this.name = "AbortError";
  }
}
