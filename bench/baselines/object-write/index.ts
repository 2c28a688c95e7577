import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";
import { STORED_VALUE_SCHEMA, writeNewVersion } from "../stored-value";
import { sizeOf } from "../values";

interface Env {
  VALUE_STORE: DurableObjectNamespace<ValueStore>;
}

/** Stores each value it is sent in its SQLite storage, at a new version, durably before it answers. */
export class ValueStore extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(STORED_VALUE_SCHEMA);
  }

  write(bytes: ArrayBuffer): number {
    return writeNewVersion(this.ctx.storage.sql, bytes);
  }
}

/**
 * The floor of any durable write: one RPC to one Durable Object that writes
 * the value and a new version to SQLite in one statement (one commit), the
 * object named by the request's path as geocache names a primary by its key.
 */
const app = new Hono<{ Bindings: Env }>();
app.put("/value/:size/:key", async (c) => {
  const bytes = await c.req.arrayBuffer();
  const store = c.env.VALUE_STORE.get(c.env.VALUE_STORE.idFromName(`${sizeOf(c.req.param("size"))}/${c.req.param("key")}`));
  return c.json({ version: await store.write(bytes) });
});

export default app;
