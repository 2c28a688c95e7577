import type { ErrorCode } from "../../../worker/errors";
import { keyOfBytes, keyPath, paddedJson } from "./request-arbitraries";

/** A request of a limit case, in the form `toRequest` sends (headers beside the Authorization one). */
export interface LimitRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | { bytes: number; chunked: boolean };
  /** The key the request would change, to check that a refused one changed nothing. */
  key?: string;
}

/**
 * One limit of the API: a request exactly at it, which is served, and one
 * just past it, which is refused with the documented status and code.
 */
export interface LimitCase {
  name: string;
  at: (key: string) => LimitRequest;
  past: (key: string) => LimitRequest;
  /** The statuses a request at the limit may get: a read of a key never written is a 404. */
  atStatuses: number[];
  refused: [status: number, code: ErrorCode];
}

/** The documented limits (README; wrangler.toml's `MAX_VALUE_BYTES`). */
const MAX_VALUE_BYTES = 1_048_576;
const MAX_KEY_BYTES = 512;
const MAX_BATCH_KEYS = 100;
const MAX_MGET_BODY_BYTES = 128 * 1024;
const MAX_INCR_BODY_BYTES = 1024;
const MAX_TTL_MS = 365 * 24 * 3_600_000;
const MAX_STALENESS_MS = 86_400_000;
const MAX_WAIT_MS = 5_000;
const MAX_SESSION_CHARS = 2_048;

const put = (key: string, headers: Record<string, string> = {}, body: LimitRequest["body"] = "v"): LimitRequest => ({
  method: "PUT",
  url: keyPath(key),
  headers,
  body,
  key,
});
const get = (key: string, headers: Record<string, string>): LimitRequest => ({ method: "GET", url: keyPath(key), headers, key });
const mget = (body: Record<string, unknown> | string): LimitRequest => ({
  method: "POST",
  url: "/v1/mget",
  body: typeof body === "string" ? body : JSON.stringify(body),
});
const incr = (key: string, body: string): LimitRequest => ({ method: "POST", url: `${keyPath(key)}/incr`, body, key });

/** A well-formed session token of exactly `chars` characters (a multiple of 4): 1 format byte, then 5 bytes per key. */
function sessionTokenOfLength(chars: number): string {
  const bytes = [1];
  for (let i = 1; i < (chars / 4) * 3; i += 5) bytes.push(0xfe, 0xed, i >> 8, i & 0xff, 1);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function keySizeCase(fill: string): LimitCase {
  return {
    name: `key of 512 bytes of "${fill}"`,
    at: (key) => put(keyOfBytes(key, MAX_KEY_BYTES, fill)),
    past: (key) => put(keyOfBytes(key, MAX_KEY_BYTES + 1, fill)),
    atStatuses: [200],
    refused: [400, "invalid_key"],
  };
}

/** Every limit the API states, at and one past. */
export const LIMIT_CASES: LimitCase[] = [
  {
    name: "value bytes (Content-Length)",
    at: (key) => put(key, {}, { bytes: MAX_VALUE_BYTES, chunked: false }),
    past: (key) => put(key, {}, { bytes: MAX_VALUE_BYTES + 1, chunked: false }),
    atStatuses: [200],
    refused: [413, "value_too_large"],
  },
  {
    name: "value bytes (chunked)",
    at: (key) => put(key, {}, { bytes: MAX_VALUE_BYTES, chunked: true }),
    past: (key) => put(key, {}, { bytes: MAX_VALUE_BYTES + 1, chunked: true }),
    atStatuses: [200],
    refused: [413, "value_too_large"],
  },
  keySizeCase("k"),
  keySizeCase("ü"),
  keySizeCase("🙂"),
  {
    name: "Content-Type length",
    at: (key) => put(key, { "Content-Type": `text/${"x".repeat(251)}` }),
    past: (key) => put(key, { "Content-Type": `text/${"x".repeat(252)}` }),
    atStatuses: [200],
    refused: [400, "invalid_header"],
  },
  {
    name: "Idempotency-Key length",
    at: (key) => put(key, { "Idempotency-Key": "i".repeat(255) }),
    past: (key) => put(key, { "Idempotency-Key": "i".repeat(256) }),
    atStatuses: [200],
    refused: [400, "invalid_header"],
  },
  {
    name: "X-TTL-Ms",
    at: (key) => put(key, { "X-TTL-Ms": String(MAX_TTL_MS) }),
    past: (key) => put(key, { "X-TTL-Ms": String(MAX_TTL_MS + 1) }),
    atStatuses: [200],
    refused: [400, "invalid_header"],
  },
  {
    name: "?ttl=",
    at: (key) => ({ ...put(key), url: `${keyPath(key)}?ttl=${MAX_TTL_MS / 1000}` }),
    past: (key) => ({ ...put(key), url: `${keyPath(key)}?ttl=${MAX_TTL_MS / 1000}.001` }),
    atStatuses: [200],
    refused: [400, "invalid_header"],
  },
  {
    name: "X-Max-Staleness",
    at: (key) => get(key, { "X-Max-Staleness": String(MAX_STALENESS_MS) }),
    past: (key) => get(key, { "X-Max-Staleness": String(MAX_STALENESS_MS + 1) }),
    atStatuses: [200, 404],
    refused: [400, "invalid_header"],
  },
  {
    name: "Cache-Control max-age",
    at: (key) => get(key, { "Cache-Control": `max-age=${MAX_STALENESS_MS / 1000}` }),
    past: (key) => get(key, { "Cache-Control": `max-age=${MAX_STALENESS_MS / 1000 + 1}` }),
    atStatuses: [200, 404],
    refused: [400, "invalid_header"],
  },
  {
    name: "X-Max-Wait-Ms",
    at: (key) => get(key, { "X-Max-Wait-Ms": String(MAX_WAIT_MS) }),
    past: (key) => get(key, { "X-Max-Wait-Ms": String(MAX_WAIT_MS + 1) }),
    atStatuses: [200, 404],
    refused: [400, "invalid_header"],
  },
  {
    name: "X-Min-Version",
    at: (key) => get(key, { "X-Min-Version": String(Number.MAX_SAFE_INTEGER) }),
    past: (key) => get(key, { "X-Min-Version": String(Number.MAX_SAFE_INTEGER + 1) }),
    atStatuses: [200, 404],
    refused: [400, "invalid_header"],
  },
  {
    name: "X-Session length",
    at: (key) => get(key, { "X-Session": sessionTokenOfLength(MAX_SESSION_CHARS) }),
    past: (key) => get(key, { "X-Session": `${sessionTokenOfLength(MAX_SESSION_CHARS)}A` }),
    atStatuses: [200, 404],
    refused: [400, "invalid_session"],
  },
  {
    name: "incr body bytes",
    at: (key) => incr(key, paddedJson({ by: 1 }, MAX_INCR_BODY_BYTES)),
    past: (key) => incr(key, paddedJson({ by: 1 }, MAX_INCR_BODY_BYTES + 1)),
    atStatuses: [200],
    refused: [413, "value_too_large"],
  },
  {
    name: "incr by",
    at: (key) => incr(key, JSON.stringify({ by: -Number.MAX_SAFE_INTEGER })),
    past: (key) => incr(key, `{"by":-${Number.MAX_SAFE_INTEGER + 1}}`),
    atStatuses: [200],
    refused: [400, "invalid_body"],
  },
  {
    name: "mget keys",
    // One key named 100 times: the limit counts names, and one primary keeps the case fast.
    at: (key) => mget({ keys: Array.from({ length: MAX_BATCH_KEYS }, () => key) }),
    past: (key) => mget({ keys: Array.from({ length: MAX_BATCH_KEYS + 1 }, () => key) }),
    atStatuses: [200],
    refused: [400, "invalid_body"],
  },
  {
    name: "mget body bytes",
    at: (key) => mget(paddedJson({ keys: [key] }, MAX_MGET_BODY_BYTES)),
    past: (key) => mget(paddedJson({ keys: [key] }, MAX_MGET_BODY_BYTES + 1)),
    atStatuses: [200],
    refused: [413, "value_too_large"],
  },
  {
    name: "mget key bytes",
    at: (key) => mget({ keys: [keyOfBytes(key, MAX_KEY_BYTES, "ü")] }),
    past: (key) => mget({ keys: [keyOfBytes(key, MAX_KEY_BYTES + 1, "ü")] }),
    atStatuses: [200],
    refused: [400, "invalid_key"],
  },
  {
    name: "mget maxStalenessMs",
    at: (key) => mget({ keys: [key], maxStalenessMs: MAX_STALENESS_MS }),
    past: (key) => mget({ keys: [key], maxStalenessMs: MAX_STALENESS_MS + 1 }),
    atStatuses: [200],
    refused: [400, "invalid_body"],
  },
  {
    name: "mget maxWaitMs",
    at: (key) => mget({ keys: [key], maxWaitMs: MAX_WAIT_MS }),
    past: (key) => mget({ keys: [key], maxWaitMs: MAX_WAIT_MS + 1 }),
    atStatuses: [200],
    refused: [400, "invalid_body"],
  },
  {
    name: "mget minVersions",
    at: (key) => mget({ keys: [key], minVersions: { [key]: Number.MAX_SAFE_INTEGER } }),
    past: (key) => mget(`{"keys":${JSON.stringify([key])},"minVersions":{${JSON.stringify(key)}:${Number.MAX_SAFE_INTEGER + 1}}}`),
    atStatuses: [200],
    refused: [400, "invalid_body"],
  },
];
