import { Hono } from "hono";
import { sizeOf, valueOf } from "../values";

interface Env {
  VALUES: KVNamespace;
}

/** What a user would pick instead of geocache: a Workers KV read (Miniflare's local KV). */
const app = new Hono<{ Bindings: Env }>();
app.get("/value/:size", async (c) => {
  const value = await c.env.VALUES.get(`value-${sizeOf(c.req.param("size"))}`, "arrayBuffer");
  if (value === null) return c.text("not seeded", 404);
  c.header("Content-Type", "application/octet-stream");
  return c.body(value);
});

/** Writes both values, once, before the benchmark reads them. */
app.post("/seed", async (c) => {
  await Promise.all((["small", "large"] as const).map((size) => c.env.VALUES.put(`value-${size}`, valueOf(size))));
  return c.text("seeded");
});

export default app;
