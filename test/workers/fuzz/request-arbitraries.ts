import fc from "fast-check";
import { TEST_TOKENS, type TestTokenName } from "../../support/tokens";

/** A request as generated: sent by {@link toRequest}, judged by the properties. */
export interface FuzzRequest {
  method: string;
  /** Path and query, encoded as sent. */
  url: string;
  headers: Record<string, string>;
  body: FuzzBody | null;
  /** The key the path names, when it names one (to check a refused request changed nothing). */
  key?: string;
  /** Who the request claims to be. */
  auth: "none" | "unknown" | "malformed" | TestTokenName;
}

export type FuzzBody =
  | { kind: "text"; text: string }
  | { kind: "json"; value: unknown; padTo?: number }
  | { kind: "bytes"; size: number; chunked: boolean };

/** The tokens a fuzzed request may carry; `limited` belongs to the rate-limit test alone. */
const TOKEN_NAMES = (Object.keys(TEST_TOKENS) as TestTokenName[]).filter((name) => name !== "limited");

/** Keys that break naive encodings: separators, percent signs, NUL, dot segments, non-BMP characters. */
export const HOSTILE_SUFFIXES = ["", "/", ":", "%", "%2F", "\u0000", "a/../b", "..", " ", "+", "?#", "ü🙂", "\u202e"];

/** A key of exactly `bytes` bytes of UTF-8: `prefix`, then `fill` repeated, padded with `x`. */
export function keyOfBytes(prefix: string, bytes: number, fill: string): string {
  const encoder = new TextEncoder();
  const room = bytes - encoder.encode(prefix).byteLength;
  const each = encoder.encode(fill).byteLength;
  return `${prefix}${"x".repeat(room % each)}${fill.repeat(Math.floor(room / each))}`;
}

/** Path segments that are no valid key: empty, bad percent-encoding, encoded surrogates, dot segments. */
const BAD_SEGMENTS = ["", "%", "%ZZ", "a%", "%C3%28", "%ED%A0%80", "%FF", "%%41", ".", "..", "%2e%2e", "%2E"];

const junkSegment = fc.stringMatching(/^[A-Za-z0-9._~%-]{0,12}$/);

/** This run's keys: a few hostile ones (so writes meet earlier writes), any text, and keys at 512 and 513 bytes. */
export function keyArbitrary(prefix: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...HOSTILE_SUFFIXES.slice(0, 6)).map((suffix) => `${prefix}${suffix}`) },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 10 }).map((text) => `${prefix}${text}`) },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_SUFFIXES).map((suffix) => `${suffix}${prefix}`) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(512, 513), fc.constantFrom("k", "ü", "🙂")).map(([bytes, fill]) => keyOfBytes(prefix, bytes, fill)),
    },
  );
}

export const keyPath = (key: string) => `/v1/keys/${encodeURIComponent(key)}`;

function pathArbitrary(keys: fc.Arbitrary<string>): fc.Arbitrary<{ path: string; key?: string }> {
  return fc.oneof(
    { weight: 6, arbitrary: keys.map((key) => ({ path: keyPath(key), key })) },
    { weight: 3, arbitrary: keys.map((key) => ({ path: `${keyPath(key)}/incr`, key })) },
    { weight: 1, arbitrary: fc.tuple(keys, junkSegment).map(([key, junk]) => ({ path: `${keyPath(key)}/${junk}`, key })) },
    { weight: 2, arbitrary: fc.constantFrom(...BAD_SEGMENTS).map((segment) => ({ path: `/v1/keys/${segment}` })) },
    { weight: 3, arbitrary: fc.constant({ path: "/v1/mget" }) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom("/v1/stats", "/v1/admin/faults", "/v1/admin/x", "/v1/health", "/v1/regions", "/v1/keys", "/v1/keys/", "/v1", "/v1/", "/", "/dashboard", "/v2/keys/a")
        .map((path) => ({ path })),
    },
    { weight: 1, arbitrary: fc.array(junkSegment, { maxLength: 4 }).map((segments) => ({ path: `/${segments.join("/")}` })) },
  );
}

/** The methods a path takes, so that many requests reach the handlers. */
function methodsOf(path: string): string[] {
  if (path === "/v1/mget") return ["POST"];
  if (path.startsWith("/v1/keys/") && path.endsWith("/incr")) return ["POST"];
  if (path.startsWith("/v1/keys/")) return ["GET", "PUT", "DELETE", "PUT", "HEAD"];
  return ["GET"];
}

/** Methods workerd's `Request` accepts, the API's own most often. */
const ANY_METHOD = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom("GET", "PUT", "POST", "DELETE") },
  { weight: 2, arbitrary: fc.constantFrom("HEAD", "OPTIONS", "PATCH") },
  { weight: 1, arbitrary: fc.constantFrom("get", "put", "patch", "PROPFIND", "TRACE", "QUERY", "MKCOL", "LOCK", "COPY") },
);

/** An optional value: absent most of the time, so that most requests get past validation. */
function sometimes<T>(values: fc.Arbitrary<T>, weight = 1): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight, arbitrary: values });
}

const MODES = ["strong", "session", "eventual", "bounded", "STRONG", " eventual ", "linearizable", "", "%ZZ", "strong,eventual"];
const QUERY_PARAM = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...MODES).map((mode) => `consistency=${mode}`) },
  // TTLs far from now, so a value never expires between two looks at it.
  {
    weight: 4,
    arbitrary: fc.constantFrom("3600", "86400.5", "31536000", "31536000.001", "0", "0.0001", "-1", "1e3", "abc", "").map((ttl) => `ttl=${ttl}`),
  },
  { weight: 3, arbitrary: fc.constantFrom("maxStalenessMs=5", "minVersion=2", "x=%ZZ", "=", "&&", "ttl") },
  { weight: 1, arbitrary: fc.constantFrom("token=abc", "access_token=x", "api_key=", "apikey=1", "auth") },
);

const VERSION_TAG = fc.constantFrom('"1"', '"2"', '"3"', "*", 'W/"1"', "1", '"x"', '"99999999999999999999"', "", '"1", "2"');

const HEADERS = fc.record({
  "X-Consistency": sometimes(fc.constantFrom(...MODES)),
  "X-Region": sometimes(fc.constantFrom("weur", "oc", " apac ", "WEUR", "mars", "", "enam,weur")),
  "X-Session": sometimes(fc.constantFrom("", "AQ", "AQAAAAEB", "AQAAAAD_____________", "Ag", "!!", "A".repeat(2049), "AQ==")),
  "X-Max-Staleness": sometimes(fc.constantFrom("0", "500", "86400000", "86400001", "-1", "abc", " 5", "1.5")),
  "Cache-Control": sometimes(fc.constantFrom("max-age=2", "no-cache", "max-age=abc", "max-age=86401", "max-age", 'max-age="3"', "no-store")),
  "X-Min-Version": sometimes(fc.constantFrom("0", "1", "3", "9007199254740991", "9007199254740992", "-1", "x")),
  // Valid waits stay short: a read behind its minimum version waits that long.
  "X-Max-Wait-Ms": sometimes(fc.constantFrom("0", "5", "5001", "x")),
  "X-TTL-Ms": sometimes(fc.constantFrom("3600000", "31536000000", "31536000001", "0", "-5", "abc")),
  "If-Match": sometimes(VERSION_TAG, 3),
  "If-None-Match": sometimes(VERSION_TAG, 2),
  "Idempotency-Key": sometimes(fc.constantFrom("k1", "k2", "k3", "i".repeat(255), "i".repeat(256), "", "has space")),
  "Content-Type": sometimes(fc.constantFrom("text/plain", "application/json", `text/${"x".repeat(251)}`, `text/${"x".repeat(252)}`, " ", "a/b; q=1")),
  "Content-Encoding": sometimes(fc.constantFrom("gzip", "br", "identity", "x-unknown")),
  "Accept-Encoding": sometimes(fc.constantFrom("gzip", "br, gzip;q=0.5", "*", "identity;q=0")),
  Range: sometimes(fc.constantFrom("bytes=0-0", "bytes=5-", "bytes=abc")),
  "Content-Length": sometimes(fc.constantFrom("abc", "-1", "1e3", "99999999999999999999"), 1),
});

const AUTH = fc.oneof(
  { weight: 6, arbitrary: fc.constant<FuzzRequest["auth"]>("none") },
  { weight: 4, arbitrary: fc.constantFrom<FuzzRequest["auth"]>(...TOKEN_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom<FuzzRequest["auth"]>("unknown", "malformed") },
);

/** The Authorization header for a claimed identity; malformed ones in several shapes. */
export function authorizationFor(auth: FuzzRequest["auth"], variant: number): string | undefined {
  if (auth === "none") return undefined;
  if (auth === "unknown") return "Bearer not-a-configured-token-0123456789";
  if (auth === "malformed") return ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", TEST_TOKENS.acmeWrite.token, "Token abc"][variant % 5];
  const token = TEST_TOKENS[auth].token;
  return [`Bearer ${token}`, `bearer ${token}`, `Bearer   ${token}  `][variant % 3];
}

function bodyArbitrary(keys: fc.Arbitrary<string>): fc.Arbitrary<FuzzBody | null> {
  const mgetBody = fc
    .record({
      keys: fc.oneof(
        { weight: 6, arbitrary: fc.array(keys, { minLength: 1, maxLength: 5 }) },
        { weight: 1, arbitrary: fc.constantFrom(0, 100, 101).chain((n) => fc.array(keys, { minLength: n, maxLength: n })) },
        { weight: 1, arbitrary: fc.constantFrom<unknown>("a", null, [1], [""], ["\ud800"], {}) },
      ),
      consistency: sometimes(fc.constantFrom<unknown>("strong", "eventual", "session", "bounded", "bogus", 5), 4),
      maxStalenessMs: sometimes(fc.constantFrom<unknown>(0, 1000, 86400000, 86400001, -1, 1.5, "5", 1e400), 3),
      maxWaitMs: sometimes(fc.constantFrom<unknown>(0, 5, 5001, "x"), 2),
      minVersions: sometimes(fc.constantFrom<unknown>({}, [], null, "x", { constructor: 2 }), 2),
    })
    .map((body) => Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined)));
  const incrBody = fc.record({ by: fc.constantFrom<unknown>(1, -3, 0, 2 ** 53 - 1, 2 ** 53, 1.5, "2", null, 1e400) }, { requiredKeys: [] });
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }).map((text): FuzzBody => ({ kind: "text", text })) },
    { weight: 3, arbitrary: mgetBody.map((value): FuzzBody => ({ kind: "json", value })) },
    { weight: 2, arbitrary: incrBody.map((value): FuzzBody => ({ kind: "json", value })) },
    { weight: 1, arbitrary: fc.constantFrom("[]", "5", "{", "null", '{"by":1}{').map((text): FuzzBody => ({ kind: "text", text })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(1024, 1025, 131_072, 131_073), keys)
        .map(([padTo, key]): FuzzBody => ({ kind: "json", value: { keys: [key], by: 1 }, padTo })),
    },
    {
      weight: 1,
      // Sized by Content-Length: a streamed body that a refusal leaves unread aborts its pipe, which
      // workerd logs as an uncaught error of the sender; the limit cases send streamed bodies that are read.
      arbitrary: fc.constantFrom(0, 1, 1_048_576, 1_048_577).map((size): FuzzBody => ({ kind: "bytes", size, chunked: false })),
    },
  );
}

/** Any request a client could send the API: every part generated, most of them valid. */
export function fuzzRequestArbitrary(prefix: string): fc.Arbitrary<FuzzRequest> {
  const keys = keyArbitrary(prefix);
  return fc
    .record({
      route: pathArbitrary(keys).chain((target) =>
        fc.record({ target: fc.constant(target), method: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...methodsOf(target.path)) }, ANY_METHOD) }),
      ),
      query: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(QUERY_PARAM, { minLength: 1, maxLength: 3 }) }),
      headers: HEADERS,
      auth: AUTH,
      authVariant: fc.nat(14),
      body: bodyArbitrary(keys),
    })
    .map(({ route: { method, target }, query, headers, auth, authVariant, body }): FuzzRequest => {
      const sent: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) if (value !== undefined) sent[name] = value;
      const authorization = authorizationFor(auth, authVariant);
      if (authorization !== undefined) sent.Authorization = authorization;
      const url = `${target.path}${query.length > 0 ? `?${query.join("&")}` : ""}`;
      return { method, url, headers: sent, body, auth, ...(target.key !== undefined ? { key: target.key } : {}) };
    });
}

/** JSON text of `value`, padded with a `pad` field to exactly `size` bytes. */
export function paddedJson(value: unknown, size: number): string {
  const bare = JSON.stringify({ ...(value as object), pad: "" });
  return JSON.stringify({ ...(value as object), pad: "p".repeat(Math.max(0, size - new TextEncoder().encode(bare).byteLength)) });
}

function bodyInit(body: FuzzBody): BodyInit {
  switch (body.kind) {
    case "text":
      return body.text;
    case "json":
      return body.padTo === undefined ? JSON.stringify(body.value) : paddedJson(body.value, body.padTo);
    case "bytes": {
      if (!body.chunked) return new Uint8Array(body.size);
      let left = body.size;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (left <= 0) return controller.close();
          const chunk = Math.min(left, 256 * 1024);
          left -= chunk;
          controller.enqueue(new Uint8Array(chunk));
        },
      });
    }
  }
}

/** The `Request` for a generated request; a body is left off where the method cannot carry one. */
export function toRequest(origin: string, request: FuzzRequest): Request {
  const url = `${origin}${request.url}`;
  const method = request.method.toUpperCase();
  const canCarry = method !== "GET" && method !== "HEAD";
  return new Request(url, {
    method: request.method,
    headers: request.headers,
    ...(request.body !== null && canCarry ? { body: bodyInit(request.body) } : {}),
  });
}
