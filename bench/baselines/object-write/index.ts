import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";
import { sizeOf } from "../values";

interface Env {
  VALUE_STORE: DurableObjectNamespace<ValueStore>;
}

/** Stores each value it is sent in its SQLite storage, durably before it answers. */
export class ValueStore extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS value (id INTEGER PRIMARY KEY, bytes BLOB NOT NULL)");
  }

  write(bytes: ArrayBuffer): number {
    this.ctx.storage.sql.exec("INSERT INTO value (id, bytes) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes", bytes);
    return bytes.byteLength;
  }
}

/**
 * The floor of any durable write: one RPC to one Durable Object that writes
 * the value to SQLite in one statement (one commit), the object named by the
 * request's path as geocache names a primary by its key.
 */
const app = new Hono<{ Bindings: Env }>();
app.put("/value/:size/:key", async (c) => {
  const bytes = await c.req.arrayBuffer();
  const store = c.env.VALUE_STORE.get(c.env.VALUE_STORE.idFromName(`${sizeOf(c.req.param("size"))}/${c.req.param("key")}`));
  return c.json({ written: await store.write(bytes) });
});

export default app;
