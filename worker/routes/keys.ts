import { Hono } from "hono";
import { entryId } from "../../durable-objects/topology";
import { resolveRead } from "../consistency";
import { ApiError, errorResponse, methodNotAllowed } from "../errors";
import type { RegionVariables } from "../middleware/region";
import type { SessionVariables } from "../middleware/session";
import { serveRead, setProvenanceHeaders } from "../read-path";
import { settingsFor } from "../settings";
import { jsonBody } from "../validation/json-body";
import { keyParam } from "../validation/key";
import { readOptions } from "../validation/read-options";
import { requestValidator } from "../validation/request-validator";
import { valueBody } from "../validation/value";
import { ttlOf, writeConditions, writeConditionsOf } from "../validation/write-options";
import { performWrite } from "../write-path";

type KeysEnv = { Bindings: Env; Variables: RegionVariables & SessionVariables };

/** `/v1/keys/{key}` and `/v1/keys/{key}/incr`: read, write, delete and count one key. */
export const keys = new Hono<KeysEnv>();

/** True when `If-None-Match` names the served version (or `*` for any value). */
function notModified(header: string | undefined, version: number): boolean {
  if (header === undefined) return false;
  return header.split(",").some((tag) => {
    const trimmed = tag.trim().replace(/^W\//, "");
    return trimmed === "*" || trimmed === `"${version}"`;
  });
}

keys.get("/keys/:key", keyParam, readOptions, async (c) => {
  const ref = c.req.valid("param");
  const id = entryId(ref.namespace, ref.key);
  const settings = settingsFor(c.env);
  const read = resolveRead(c.req.valid("query"), settings.defaultConsistency, c.get("session").minVersion(id));
  // A GET's value goes out as it came (an edge copy in the Cache API passed on unread); a HEAD's answer gives the value's length, so it takes bytes.
  const head = c.req.method === "HEAD";
  const served = await serveRead(settings, ref, c.get("region"), read, (work) => c.executionCtx.waitUntil(work), head ? "bytes" : "stream");
  c.get("session").observe(id, served.record.version);
  setProvenanceHeaders(served, c.header);
  const { value } = served.record;
  if (value === null) {
    return errorResponse(c, new ApiError(404, "not_found", `key "${ref.key}" does not exist`));
  }
  if (notModified(c.req.header("If-None-Match"), served.record.version)) {
    if (value instanceof ReadableStream) await value.cancel();
    return c.body(null, 304);
  }
  c.header("Content-Type", served.record.contentType);
  if (head && value instanceof ArrayBuffer) c.header("Content-Length", String(value.byteLength));
  return c.body(value);
});

const putOptions = requestValidator("query", (c) => ({ ...writeConditionsOf(c), ttlMs: ttlOf(c) }));

keys.put("/keys/:key", keyParam, putOptions, valueBody, async (c) => {
  const ref = c.req.valid("param");
  const { ttlMs, ...conditions } = c.req.valid("query");
  const { bytes, contentType } = c.req.valid("header");
  const written = await performWrite(c, { ref, op: { kind: "put", value: bytes, contentType, ttlMs }, ...conditions });
  return c.json(written.expiresAt === null ? { key: ref.key, version: written.version } : { key: ref.key, version: written.version, expiresAt: written.expiresAt });
});

keys.delete("/keys/:key", keyParam, writeConditions, async (c) => {
  const ref = c.req.valid("param");
  const written = await performWrite(c, { ref, op: { kind: "delete" }, ...c.req.valid("query") });
  return c.json({ key: ref.key, version: written.version, deleted: true });
});

/** The body of an increment: `{"by": <integer>}`, 1 when absent. */
const incrBody = jsonBody(1_024, (body): { by: number } => {
  // Only an absent "by" means 1: null is no integer.
  const by = body.by === undefined ? 1 : body.by;
  if (typeof by !== "number" || !Number.isSafeInteger(by)) {
    throw new ApiError(400, "invalid_body", '"by" must be a whole number within ±(2^53 − 1)');
  }
  return { by };
});

keys.post("/keys/:key/incr", keyParam, writeConditions, incrBody, async (c) => {
  const ref = c.req.valid("param");
  const { by } = c.req.valid("header");
  const written = await performWrite(c, { ref, op: { kind: "incr", by }, ...c.req.valid("query") });
  return c.json({ key: ref.key, value: written.counter, version: written.version });
});

keys.all("/keys/:key/incr", methodNotAllowed(["POST"]));
keys.all("/keys/:key", methodNotAllowed(["GET", "HEAD", "PUT", "DELETE"]));

function emptyKey(): never {
  throw new ApiError(400, "invalid_key", "the key is empty: use /v1/keys/{key}");
}
keys.all("/keys", emptyKey);
keys.all("/keys/", emptyKey);
