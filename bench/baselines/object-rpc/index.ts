import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";
import { sizeOf, valueOf, type ValueSize } from "../values";

/** Holds both values in memory and answers them over RPC. */
export class ValueHolder extends DurableObject {
  private readonly values = { small: valueOf("small"), large: valueOf("large") };

  read(size: ValueSize): ArrayBuffer {
    return this.values[size];
  }
}

interface Env {
  VALUE_HOLDER: DurableObjectNamespace<ValueHolder>;
}

/** The floor of any design that touches a Durable Object: one RPC to one object, answered from its memory. */
const app = new Hono<{ Bindings: Env }>();
app.get("/value/:size", async (c) => {
  const holder = c.env.VALUE_HOLDER.get(c.env.VALUE_HOLDER.idFromName("one"));
  const value = await holder.read(sizeOf(c.req.param("size")));
  c.header("Content-Type", "application/octet-stream");
  return c.body(value);
});

export default app;
