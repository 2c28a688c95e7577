import { Hono } from "hono";
import { ApiError, errorResponse, methodNotAllowed } from "../errors";
import type { RegionVariables } from "../middleware/region";
import { callObject } from "../object-call";
import { provenanceHeaders, readKey } from "../read-path";
import { settingsFor } from "../settings";
import { consistencyQuery } from "../validation/consistency";
import { keyParam } from "../validation/key";
import { valueBody } from "../validation/value";

/** `/v1/keys/{key}`: read, write and delete one key. */
export const keys = new Hono<{ Bindings: Env; Variables: RegionVariables }>();

keys.get("/keys/:key", keyParam, consistencyQuery, async (c) => {
  const ref = c.req.valid("param");
  const { consistency } = c.req.valid("query");
  const read = await readKey(settingsFor(c.env), ref, c.var.region, consistency);
  for (const [name, value] of Object.entries(provenanceHeaders(read))) c.header(name, value);
  if (read.record.value === null) {
    return errorResponse(c, new ApiError(404, "not_found", `key "${ref.key}" does not exist`));
  }
  c.header("Content-Type", read.record.contentType);
  return c.body(read.record.value);
});

keys.put("/keys/:key", keyParam, valueBody, async (c) => {
  const ref = c.req.valid("param");
  const { bytes, contentType } = c.req.valid("header");
  const { placement } = settingsFor(c.env);
  const region = c.var.region;
  const { version } = await callObject(() => placement.primary(ref, region).put(ref, bytes, contentType, region), {
    idempotent: false,
  });
  c.header("ETag", `"${version}"`);
  c.header("X-Version", String(version));
  return c.json({ key: ref.key, version });
});

keys.delete("/keys/:key", keyParam, async (c) => {
  const ref = c.req.valid("param");
  const { placement } = settingsFor(c.env);
  const result = await callObject(() => placement.primary(ref, c.var.region).delete(ref), { idempotent: false });
  if (!result) throw new ApiError(404, "not_found", `key "${ref.key}" does not exist`);
  c.header("X-Version", String(result.version));
  return c.json({ key: ref.key, version: result.version, deleted: true });
});

keys.all("/keys/:key", methodNotAllowed(["GET", "HEAD", "PUT", "DELETE"]));

/** `/v1/keys` and `/v1/keys/` name no key. */
function emptyKey(): never {
  throw new ApiError(400, "invalid_key", "the key is empty: use /v1/keys/{key}");
}
keys.all("/keys", emptyKey);
keys.all("/keys/", emptyKey);
