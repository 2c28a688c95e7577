import { Hono } from "hono";
import { sizeOf, valueOf, type ValueSize } from "../values";

const requestFor = (size: ValueSize) => new Request(`https://baseline.internal/value/${size}`);

/** The floor of a Cache API tier: an answer straight from `caches.default`. */
const app = new Hono();
app.get("/value/:size", async (c) => {
  const hit = await caches.default.match(requestFor(sizeOf(c.req.param("size"))));
  if (!hit) return c.text("not seeded", 404);
  return new Response(hit.body, { headers: { "Content-Type": "application/octet-stream" } });
});

/** Puts both values in the cache, before the benchmark reads them. */
app.post("/seed", async () => {
  const headers = { "Content-Type": "application/octet-stream", "Cache-Control": "max-age=86400" };
  await Promise.all((["small", "large"] as const).map((size) => caches.default.put(requestFor(size), new Response(valueOf(size), { headers }))));
  return new Response("seeded");
});

export default app;
