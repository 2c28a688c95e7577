import { validator } from "hono/validator";
import type { KeyRef } from "../../durable-objects/record";
import type { Principal } from "../auth/token-table";
import { ApiError } from "../errors";

/** The longest key, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 512;

const KEYS_PREFIX = "/v1/keys/";
const encoder = new TextEncoder();

/**
 * Decodes the `{key}` segment of a `/v1/keys/{key}` URL, strictly: one
 * percent-encoded path segment, valid UTF-8 once decoded, 1 to 512 bytes.
 * The raw URL is read rather than the router's parameter, so that the bytes
 * the client encoded are exactly the key, with no second decoding.
 *
 * @example parseKey("https://x/v1/keys/a%2Fb%20%C3%BC") // "a/b ü"
 */
export function parseKey(url: string): string {
  const path = new URL(url).pathname;
  const raw = path.startsWith(KEYS_PREFIX) ? path.slice(KEYS_PREFIX.length).split("/")[0]! : "";
  if (raw === "") throw new ApiError(400, "invalid_key", "the key is empty: use /v1/keys/{key}");
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch {
    throw new ApiError(400, "invalid_key", "the key is not valid percent-encoded UTF-8");
  }
  const bytes = encoder.encode(key).byteLength;
  if (bytes > MAX_KEY_BYTES) {
    throw new ApiError(400, "invalid_key", `the key is ${bytes} bytes of UTF-8; the limit is ${MAX_KEY_BYTES}`);
  }
  return key;
}

/** Validates the key in the path, in the namespace of the request's token; handlers read it as `c.req.valid("param")`. */
export const keyParam = validator("param", (_params, c): KeyRef => ({
  namespace: (c.get("principal") as Principal).namespace,
  key: parseKey(c.req.url),
}));
