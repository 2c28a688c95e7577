import { Hono } from "hono";
import { toBase64 } from "../base64";
import { mapBounded } from "../bounded-map";
import { entryId } from "../../durable-objects/topology";
import { isConsistency, resolveRead, type ReadOptions, CONSISTENCY_MODES } from "../consistency";
import { ApiError, methodNotAllowed } from "../errors";
import type { AuthVariables } from "../middleware/auth";
import type { RegionVariables } from "../middleware/region";
import type { SessionVariables } from "../middleware/session";
import { serveRead } from "../read-path";
import { settingsFor } from "../settings";
import { jsonBody } from "../validation/json-body";
import { MAX_KEY_BYTES } from "../validation/key";
import { wholeNumber } from "../validation/numbers";
import { MAX_STALENESS_MS, MAX_WAIT_MS, requestedReadOptions, requireBound } from "../validation/read-options";

/** The most keys one batch read may name. */
export const MAX_BATCH_KEYS = 100;
/**
 * The most value bytes one batch answer carries. A hundred values of 1 MiB
 * would come to 133 MiB of base64 alone, past a Worker's 128 MB of memory;
 * a value that would take the answer past this is left out, its entry
 * saying so, and the client asks for that key again.
 */
export const MAX_BATCH_VALUE_BYTES = 16 * 1024 * 1024;
/**
 * The most value bytes one batch holds while they are on their way. The cap
 * above bounds the values an answer keeps, but each value read is in memory
 * until it is kept or dropped, and a hundred values of 1 MiB read at once
 * would be 100 MiB: a batch reads at once as many keys as values of the
 * largest size this bound allows, never fewer than sixteen.
 */
export const MAX_BATCH_BYTES_IN_FLIGHT = 16 * 1024 * 1024;

/** How many keys of a batch are read at once where values may be `maxValueBytes` long: 16 at 1 MiB, all 100 at 160 KiB or less. */
export function batchReadsAtOnce(maxValueBytes: number): number {
  return Math.min(MAX_BATCH_KEYS, Math.max(16, Math.floor(MAX_BATCH_BYTES_IN_FLIGHT / Math.max(1, maxValueBytes))));
}
const BODY_LIMIT = 128 * 1024;
const encoder = new TextEncoder();

interface BatchRead {
  keys: string[];
  options: ReadOptions;
  minVersions: Map<string, number>;
}

/** Half of a surrogate pair on its own: JSON can carry one (`"\ud800"`), but it is no UTF-8 and no key. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function optionalWhole(body: Record<string, unknown>, field: string, max: number): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  return wholeNumber(`"${field}"`, typeof value === "number" ? String(value) : "not a number", 0, max, "invalid_body");
}

/** `{"keys":[...], "consistency", "maxStalenessMs", "minVersions", "maxWaitMs"}`; headers give defaults. */
const batchBody = jsonBody(BODY_LIMIT, (body, c): BatchRead => {
  const { keys } = body;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_BATCH_KEYS) {
    throw new ApiError(400, "invalid_body", `"keys" must be an array of 1 to ${MAX_BATCH_KEYS} keys`);
  }
  for (const key of keys) {
    if (typeof key !== "string" || key.length === 0 || LONE_SURROGATE.test(key) || encoder.encode(key).byteLength > MAX_KEY_BYTES) {
      throw new ApiError(400, "invalid_key", `every key must be a string of 1 to ${MAX_KEY_BYTES} bytes of UTF-8`);
    }
  }
  // The body's fields override the headers' before a bounded read is checked for its bound, which either may give.
  const options = requestedReadOptions(c);
  if (body.consistency !== undefined) {
    if (typeof body.consistency !== "string" || !isConsistency(body.consistency)) {
      throw new ApiError(400, "invalid_consistency", `"consistency" must be one of ${CONSISTENCY_MODES.join(", ")}`);
    }
    options.mode = body.consistency;
  }
  options.maxStalenessMs = optionalWhole(body, "maxStalenessMs", MAX_STALENESS_MS) ?? options.maxStalenessMs;
  options.maxWaitMs = optionalWhole(body, "maxWaitMs", MAX_WAIT_MS) ?? options.maxWaitMs;
  requireBound(options, '"maxStalenessMs" (or X-Max-Staleness, or Cache-Control: max-age)');
  // A Map, not an object: keys such as "constructor" or "__proto__" must not reach Object.prototype.
  const minVersions = new Map<string, number>();
  const given = body.minVersions ?? {};
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    throw new ApiError(400, "invalid_body", '"minVersions" must be an object of key → version');
  }
  for (const [key, version] of Object.entries(given)) {
    const raw = typeof version === "number" ? String(version) : "?";
    minVersions.set(key, wholeNumber(`minVersions["${key}"]`, raw, 0, Number.MAX_SAFE_INTEGER, "invalid_body"));
  }
  return { keys: keys as string[], options, minVersions };
});


const ANSWER_TOO_LARGE = `this value would take the answer past ${MAX_BATCH_VALUE_BYTES / 1024 / 1024} MiB of values: read this key on its own`;

/**
 * `POST /v1/mget`: up to 100 keys read in parallel (as many at once as
 * {@link batchReadsAtOnce} allows), each under the same rules as a single
 * read, and up to {@link MAX_BATCH_VALUE_BYTES} of values in one answer.
 */
export const mget = new Hono<{ Bindings: Env; Variables: RegionVariables & SessionVariables & AuthVariables }>();

mget.post("/mget", batchBody, async (c) => {
  const { keys, options, minVersions } = c.req.valid("header");
  const settings = settingsFor(c.env);
  const session = c.get("session");
  const { namespace } = c.get("principal");
  const region = c.get("region");
  // Taken in the order the values arrive; one that does not fit is dropped from the answer at once, not kept to the end.
  let bytesLeft = MAX_BATCH_VALUE_BYTES;
  const results = await mapBounded(keys, batchReadsAtOnce(settings.maxValueBytes), async (key) => {
    const ref = { namespace, key };
    const id = entryId(ref.namespace, key);
    const read = resolveRead({ ...options, minVersion: minVersions.get(key) ?? options.minVersion }, settings.defaultConsistency, session.minVersion(id));
    try {
      const served = await serveRead(settings, ref, region, read, (work) => c.executionCtx.waitUntil(work));
      const { record } = served;
      const found = record.value !== null;
      const size = record.value?.byteLength ?? 0;
      if (size > bytesLeft) return { key, status: 413, error: { code: "answer_too_large", message: ANSWER_TOO_LARGE } };
      bytesLeft -= size;
      session.observe(id, record.version);
      return {
        key,
        status: found ? 200 : 404,
        version: record.version,
        value: found ? toBase64(record.value!) : null,
        contentType: found ? record.contentType : null,
        expiresAt: found ? record.expiresAt : null,
        servedBy: served.servedBy,
        region: served.region,
        consistency: served.mode,
        stalenessMs: served.stalenessMs,
      };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return { key, status: error.status, error: { code: error.code, message: error.message } };
    }
  });
  return c.json({ results });
});

mget.all("/mget", methodNotAllowed(["POST"]));
