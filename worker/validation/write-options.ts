import type { Context } from "hono";
import type { WriteRequest } from "../../durable-objects/write";
import { ApiError } from "../errors";
import { wholeNumber } from "./numbers";
import { requestValidator } from "./request-validator";

/** The longest TTL accepted: a year. */
export const MAX_TTL_MS = 365 * 24 * 60 * 60 * 1000;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** A write's preconditions and idempotency key. */
export type WriteConditions = Pick<WriteRequest, "ifMatch" | "ifNoneMatch" | "idempotencyKey">;

/** Parses an entity tag that names a version: `"7"` (a weak tag cannot match a write). */
export function parseVersionTag(name: string, raw: string): number {
  const match = /^"(\d+)"$/.exec(raw.trim());
  if (!match) throw new ApiError(400, "invalid_header", `${name} must be a version in quotes, like "7", or *; not ${raw}`);
  return wholeNumber(name, match[1]!, 0, Number.MAX_SAFE_INTEGER);
}

/** `If-Match`, `If-None-Match: *` and `Idempotency-Key` of a write. */
export function writeConditionsOf(c: Context): WriteConditions {
  const conditions: WriteConditions = {};
  const ifMatch = c.req.header("If-Match");
  if (ifMatch !== undefined) conditions.ifMatch = ifMatch.trim() === "*" ? "*" : parseVersionTag("If-Match", ifMatch);
  const ifNoneMatch = c.req.header("If-None-Match");
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== "*") throw new ApiError(400, "invalid_header", "a write takes only If-None-Match: * (create only)");
    if (c.req.method !== "PUT") throw new ApiError(400, "invalid_header", "If-None-Match: * applies to PUT only");
    conditions.ifNoneMatch = "*";
  }
  const idempotencyKey = c.req.header("Idempotency-Key");
  if (idempotencyKey !== undefined) {
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ApiError(400, "invalid_header", "Idempotency-Key must be 1 to 255 visible ASCII characters");
    }
    conditions.idempotencyKey = idempotencyKey;
  }
  return conditions;
}

/** The TTL of a PUT: `X-TTL-Ms: <ms>` or `?ttl=<seconds>` (decimals allowed), or null. */
export function ttlOf(c: Context): number | null {
  const header = c.req.header("X-TTL-Ms");
  const query = c.req.query("ttl");
  if (header !== undefined && query !== undefined) {
    throw new ApiError(400, "invalid_header", "give the TTL once: X-TTL-Ms or ?ttl=, not both");
  }
  if (header !== undefined) return wholeNumber("X-TTL-Ms", header, 1, MAX_TTL_MS);
  if (query === undefined) return null;
  const seconds = /^\d+(\.\d+)?$/.test(query.trim()) ? Number(query) : Number.NaN;
  const ms = Math.round(seconds * 1000);
  if (!Number.isFinite(ms) || ms < 1 || ms > MAX_TTL_MS) {
    throw new ApiError(400, "invalid_header", `?ttl= must be a number of seconds from 0.001 to ${MAX_TTL_MS / 1000}, not "${query}"`);
  }
  return ms;
}

/** Validates a write's conditions; handlers read them as `c.req.valid("query")`. */
export const writeConditions = requestValidator("query", writeConditionsOf);
