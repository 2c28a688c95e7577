import { Hono } from "hono";
import { SessionToken } from "../../../worker/session-token";
import { sizeOf, valueOf } from "../values";

const values = { small: valueOf("small"), large: valueOf("large") };

/** A session token as geocache hands back after one read, made once: its length is what the answer carries. */
const session = SessionToken.parse(undefined);
session.observe("default/bench-read-small", 2);
const SESSION_TOKEN = session.toString();

/**
 * The ceiling of any edge path whose answers say where they came from: the
 * bare worker's constant, with the headers every geocache read answer
 * carries (version, tier, region, mode, staleness, session token, commit
 * time, `no-store`), their values fixed. Set one by one, as any Hono handler sets them.
 */
const app = new Hono();
app.get("/value/:size", (c) => {
  c.header("ETag", '"2"');
  c.header("X-Version", "2");
  c.header("X-Served-By", "edge");
  c.header("X-Region", "enam");
  c.header("X-Consistency", "eventual");
  c.header("X-Staleness-Ms", "412");
  c.header("Age", "0");
  c.header("Last-Modified", "Wed, 02 Dec 2026 01:00:00 GMT");
  c.header("X-Session", SESSION_TOKEN);
  c.header("Cache-Control", "no-store");
  c.header("Content-Type", "application/octet-stream");
  return c.body(values[sizeOf(c.req.param("size"))]);
});

export default app;
