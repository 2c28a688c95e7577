import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";
import { sizeOf, valueOf, VALUE_SIZES, type ValueSize } from "../values";

/** Holds both values in SQLite and reads the one asked for from storage on every call. */
export class ValueRows extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS stored (size TEXT PRIMARY KEY, version INTEGER NOT NULL, bytes BLOB NOT NULL)");
    for (const size of Object.keys(VALUE_SIZES) as ValueSize[]) {
      ctx.storage.sql.exec("INSERT INTO stored (size, version, bytes) VALUES (?, 1, ?) ON CONFLICT (size) DO NOTHING", size, valueOf(size));
    }
  }

  read(size: ValueSize): ArrayBuffer {
    return this.ctx.storage.sql.exec<{ bytes: ArrayBuffer }>("SELECT version, bytes FROM stored WHERE size = ?", size).one().bytes;
  }
}

interface Env {
  VALUE_ROWS: DurableObjectNamespace<ValueRows>;
}

/**
 * The floor of a strong read: one RPC to one Durable Object that reads the
 * value from its SQLite storage (one statement), as a primary reads its
 * record for every strong read rather than answering from memory.
 */
const app = new Hono<{ Bindings: Env }>();
app.get("/value/:size", async (c) => {
  const rows = c.env.VALUE_ROWS.get(c.env.VALUE_ROWS.idFromName("one"));
  const value = await rows.read(sizeOf(c.req.param("size")));
  c.header("Content-Type", "application/octet-stream");
  return c.body(value);
});

export default app;
