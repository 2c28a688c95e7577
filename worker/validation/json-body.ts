import type { Context } from "hono";
import { validator } from "hono/validator";
import { ApiError } from "../errors";
import { readBodyWithin } from "./value";

/**
 * Reads a JSON request body of at most `limit` bytes (checked from
 * `Content-Length` before reading); an empty body reads as `{}`.
 */
export async function readJsonBody(c: Context, limit: number): Promise<Record<string, unknown>> {
  const bytes = await readBodyWithin(c.req.raw, limit);
  if (bytes.byteLength === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ApiError(400, "invalid_body", "the body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "invalid_body", "the body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

/**
 * A validator for a JSON body read within `limit` bytes. It runs under the
 * `header` target on purpose: Hono's `json` target would read the whole
 * body before any limit applies, while `header` reads nothing, leaving the
 * body to be read here. Handlers read the result as `c.req.valid("header")`.
 *
 * @example const incrBody = jsonBody(1024, (body) => ({ by: Number(body.by ?? 1) }));
 */
export function jsonBody<T>(limit: number, parse: (body: Record<string, unknown>, c: Context) => T) {
  return validator("header", async (_headers, c): Promise<T> => parse(await readJsonBody(c, limit), c));
}
