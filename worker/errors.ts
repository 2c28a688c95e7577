import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The machine-readable error codes of the HTTP API. */
export type ErrorCode =
  | "invalid_key"
  | "invalid_consistency"
  | "invalid_region"
  | "invalid_header"
  | "invalid_session"
  | "invalid_body"
  | "value_too_large"
  | "not_found"
  | "method_not_allowed"
  | "precondition_failed"
  | "not_an_integer"
  | "idempotency_key_reused"
  | "missing_token"
  | "invalid_token"
  | "token_in_url"
  | "auth_not_configured"
  | "insufficient_scope"
  | "rate_limited"
  | "misconfigured"
  | "unavailable"
  | "overloaded"
  | "internal";

/**
 * An error the API answers with: a status, a stable `code` and a message for
 * people. Thrown anywhere in the worker; `onError` turns it into the one JSON
 * shape every error has: `{"error":{"code","message"}}`.
 *
 * @example throw new ApiError(404, "not_found", `key "${key}" does not exist`);
 */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    cause?: unknown,
    /** Fields added to the error object beside `code` and `message`, e.g. `currentVersion`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(status, { message, cause });
    this.name = "ApiError";
  }
}

/** The JSON error response for `error`, with any headers it carries. */
export function errorResponse(c: Context, error: ApiError): Response {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json({ error: { code: error.code, message: error.message, ...error.details } }, error.status as ContentfulStatusCode);
}

const CODES_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: "invalid_header",
  404: "not_found",
  405: "method_not_allowed",
  413: "value_too_large",
  503: "unavailable",
};

/** `app.onError`: the single place where thrown errors become responses. */
export function handleError(error: Error, c: Context): Response {
  if (error instanceof ApiError) return errorResponse(c, error);
  if (error instanceof HTTPException) {
    const code = CODES_BY_STATUS[error.status] ?? "internal";
    return errorResponse(c, new ApiError(error.status as ContentfulStatusCode, code, error.message || code));
  }
  console.error("unhandled error", error);
  return errorResponse(c, new ApiError(500, "internal", "the server failed to answer this request"));
}

/** `app.notFound`: a JSON 404 for paths the API does not have. */
export function handleNotFound(c: Context): Response {
  const path = new URL(c.req.url).pathname;
  const hint = path.startsWith("/v1/keys/") ? " (a key is one path segment: percent-encode '/' as %2F)" : "";
  return errorResponse(c, new ApiError(404, "not_found", `no route for ${c.req.method} ${path}${hint}`));
}

/** A handler that answers 405 with the methods a path does allow. */
export function methodNotAllowed(allowed: readonly string[]) {
  return function methodNotAllowedHandler(c: Context): Response {
    return errorResponse(
      c,
      new ApiError(405, "method_not_allowed", `${c.req.method} is not allowed here; use ${allowed.join(", ")}`, {
        Allow: allowed.join(", "),
      }),
    );
  };
}
