import type { KeyRef } from "../../durable-objects/record";
import type { Principal } from "../auth/token-table";
import { ApiError } from "../errors";
import { requestValidator } from "./request-validator";

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
  const raw = keySegment(url);
  if (raw === "") throw new ApiError(400, "invalid_key", 'the key is empty: use /v1/keys/{key} (URLs drop "." and ".." as path segments, so neither is a key)');
  // A URL holds only ASCII: without a "%" the key is the segment itself, a byte per character.
  if (!raw.includes("%")) {
    if (raw.length > MAX_KEY_BYTES) throw new ApiError(400, "invalid_key", `the key is ${raw.length} bytes of UTF-8; the limit is ${MAX_KEY_BYTES}`);
    return raw;
  }
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

/**
 * The raw segment after `/v1/keys/` in a URL as the runtime serializes it
 * (already parsed, so its path starts at the first "/" after the
 * authority and ends at "?" or "#"), or "" when the path is elsewhere.
 */
function keySegment(url: string): string {
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  if (pathStart === -1 || !url.startsWith(KEYS_PREFIX, pathStart)) return "";
  const from = pathStart + KEYS_PREFIX.length;
  let to = from;
  while (to < url.length) {
    const char = url.charCodeAt(to);
    if (char === 0x2f || char === 0x3f || char === 0x23) break; // "/", "?", "#"
    to++;
  }
  return url.slice(from, to);
}

/** Validates the key in the path, in the namespace of the request's token; handlers read it as `c.req.valid("param")`. */
export const keyParam = requestValidator("param", (c): KeyRef => ({
  namespace: (c.get("principal") as Principal).namespace,
  key: parseKey(c.req.url),
}));
