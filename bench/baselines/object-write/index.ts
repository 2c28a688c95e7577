import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";
import { sizeOf } from "../values";

interface Env {
  VALUE_STORE: DurableObjectNamespace<ValueStore>;
}

/**
 * Stores each value it is sent in its SQLite storage, at a new version,
 * durably before it answers. The version makes every write change the row:
 * storage skips a commit that changes no page, so rewriting the same bytes
 * (as every request of the benchmark sends) would measure no write at all.
 */
export class ValueStore extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS stored (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, bytes BLOB NOT NULL)");
  }

  write(bytes: ArrayBuffer): number {
    return this.ctx.storage.sql
      .exec<{ version: number }>(
        `INSERT INTO stored (id, version, bytes) VALUES (1, 1, ?)
         ON CONFLICT (id) DO UPDATE SET version = version + 1, bytes = excluded.bytes RETURNING version`,
        bytes,
      )
      .one().version;
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
