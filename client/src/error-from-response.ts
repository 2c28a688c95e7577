import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  GeoCacheError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
} from "./errors";
import { retryAfterMs } from "./retry";

/** The API's error body: `{"error":{"code","message","currentVersion"?}}`. */
export interface ErrorBody {
  code?: unknown;
  message?: unknown;
  currentVersion?: unknown;
  exists?: unknown;
}

async function errorBody(response: Response): Promise<ErrorBody> {
  const text = await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed === "object" && parsed !== null && typeof parsed.error === "object" && parsed.error !== null) {
      return parsed.error as ErrorBody;
    }
  } catch {
    // Not the API's JSON (a proxy's page, say): the status alone says what happened.
  }
  return {};
}

/**
 * The typed error for a failed answer (status 400 or above), read from the
 * API's JSON error body; an answer that is not the API's JSON still gets the
 * error class of its status.
 *
 * @example throw await errorFromResponse(response); // e.g. a NotFoundError for a 404
 */
export async function errorFromResponse(response: Response): Promise<GeoCacheError> {
  return errorFromStatus(response.status, await errorBody(response), {
    waitMs: retryAfterMs(response.headers.get("Retry-After")),
    // A key's own 404 names its version; the service's 404 for a path it does not have, or another server's, does not.
    keyMissing: response.headers.has("X-Version"),
  });
}

/**
 * The typed error for a status and the API's error object (also how `mget`
 * reports a key whose read failed).
 *
 * @example errorFromStatus(412, { code: "precondition_failed", message: "…", currentVersion: 3 }) // a PreconditionFailedError
 */
export function errorFromStatus(
  status: number,
  body: ErrorBody,
  { waitMs = null, keyMissing = false }: { waitMs?: number | null; keyMissing?: boolean } = {},
): GeoCacheError {
  const message = typeof body.message === "string" && body.message !== "" ? body.message : `HTTP ${status}`;
  const options = { status, ...(typeof body.code === "string" ? { code: body.code } : {}) };
  switch (status) {
    case 400:
      return new BadRequestError(message, options);
    case 401:
      return new UnauthorizedError(message, options);
    case 403:
      return new ForbiddenError(message, options);
    case 404:
      return new NotFoundError(message, { ...options, keyMissing });
    case 409:
      return new ConflictError(message, options);
    case 412:
      return new PreconditionFailedError(message, Number(body.currentVersion ?? 0) || 0, {
        ...options,
        ...(typeof body.exists === "boolean" ? { exists: body.exists } : {}),
      });
    case 413:
      return new PayloadTooLargeError(message, options);
    case 429:
      return new RateLimitedError(message, waitMs, options);
    case 502:
    case 503:
    case 504:
      return new UnavailableError(message, waitMs, options);
    default:
      return new GeoCacheError(message, { code: `http_${status}`, ...options });
  }
}
