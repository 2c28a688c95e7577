import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";
import { shardOf } from "../../../durable-objects/topology";
import { STORED_VALUE_SCHEMA, writeNewVersion } from "../stored-value";
import { sizeOf } from "../values";

interface Env {
  VALUE_STORE: DurableObjectNamespace<ValueStore>;
  NEXT_HOLDER: DurableObjectNamespace<NextHolder>;
}

/** Holders the stores hand their records to (a name always to the same one), as geocache's primaries spread over a region's replica shards. */
const HOLDERS = 4;

/**
 * Stores each value at a new version in SQLite, durably before it answers
 * (as the durable-write baseline does), and then, without holding up the
 * answer, hands the new record to another object by one RPC.
 */
export class ValueStore extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(STORED_VALUE_SCHEMA);
  }

  write(name: string, bytes: ArrayBuffer): number {
    const version = writeNewVersion(this.ctx.storage.sql, bytes);
    const holder = this.env.NEXT_HOLDER.get(this.env.NEXT_HOLDER.idFromName(String(shardOf(name, HOLDERS))));
    this.ctx.waitUntil(holder.hold(name, version, bytes).catch(() => {}));
    return version;
  }
}

/** Keeps the newest record of each name in memory: the cheapest place a record can be handed on to. */
export class NextHolder extends DurableObject<Env> {
  private readonly held = new Map<string, { version: number; bytes: ArrayBuffer }>();

  hold(name: string, version: number, bytes: ArrayBuffer): number {
    const current = this.held.get(name);
    if (!current || current.version < version) this.held.set(name, { version, bytes });
    return Math.max(version, current?.version ?? 0);
  }
}

/**
 * The floor of any replicated write: the write is durable at one object
 * before it is answered, and then leaves that object at least once, which
 * asynchronous replication cannot do without. However well a design batches
 * what happens after that, each write costs at least these two Durable
 * Object calls and one commit.
 */
const app = new Hono<{ Bindings: Env }>();
app.put("/value/:size/:key", async (c) => {
  const bytes = await c.req.arrayBuffer();
  const name = `${sizeOf(c.req.param("size"))}/${c.req.param("key")}`;
  const store = c.env.VALUE_STORE.get(c.env.VALUE_STORE.idFromName(name));
  return c.json({ version: await store.write(name, bytes) });
});

export default app;
