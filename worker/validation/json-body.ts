import type { Context } from "hono";
import { ApiError } from "../errors";
import { requestValidator } from "./request-validator";
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
 * A validator for a JSON body read within `limit` bytes, here and nowhere
 * else (Hono's `json` target would read the whole body before any limit
 * applies). Handlers read the result as `c.req.valid("header")`.
 *
 * @example const incrBody = jsonBody(1024, (body) => ({ by: Number(body.by ?? 1) }));
 */
export function jsonBody<T>(limit: number, parse: (body: Record<string, unknown>, c: Context) => T) {
  return requestValidator("header", async (c): Promise<T> => parse(await readJsonBody(c, limit), c));
}
