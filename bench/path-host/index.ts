/**
 * Runs reads through geocache's own app, inside the isolate, many at a
 * time, with no HTTP in between: what a read's path costs in the worker's
 * code (and its Durable Objects', which share the isolate locally), apart
 * from what workerd spends on every HTTP request whatever the worker does.
 * The bare worker with a read's headers (`baselines/bare-headers`) runs
 * the same way beside it. Over HTTP, `/value/{size}` is that baseline and
 * `/v1/*` is geocache, so the same process can be loaded both ways.
 *
 * Started by `bench/path-cost.ts` with geocache's wrangler.toml as its
 * config (its bindings, migrations and vars), this file as its main module.
 */
import { app } from "../../worker/app";
import bareHeaders from "../baselines/bare-headers/index";
import { valueOf, type ValueSize } from "../baselines/values";
import { PATHS, pathCostKey, type PathName } from "./paths";

export { KeyPrimary, RegionReplica, RegionStats, SimControl } from "../../durable-objects";

/**
 * The settings each path runs with, over the worker's own `env`: settings
 * are parsed once per `env` object, so each variant is one object, made once.
 */
const variants = new WeakMap<Env, Record<"edgeOff" | "cacheApiOnly", Env>>();
function variantsOf(env: Env) {
  let made = variants.get(env);
  if (!made) {
    made = { edgeOff: { ...env, EDGE_CACHE_MAX_AGE_MS: "0" }, cacheApiOnly: { ...env, EDGE_MEMORY_BYTES: "0" } };
    variants.set(env, made);
  }
  return made;
}

function readOf(path: Exclude<PathName, "bare-headers">, size: ValueSize, env: Env): { request: () => Request; env: Env } {
  const url = `http://127.0.0.1/v1/keys/${pathCostKey(size)}`;
  const consistency = path === "strong" ? "strong" : "eventual";
  const serving = path === "replica" ? variantsOf(env).edgeOff : path === "edge-cache-api" ? variantsOf(env).cacheApiOnly : env;
  return { request: () => new Request(url, { headers: { "X-Consistency": consistency } }), env: serving };
}

async function runPath(path: PathName, size: ValueSize, count: number, env: Env, ctx: ExecutionContext): Promise<number> {
  let failed = 0;
  const read = path === "bare-headers" ? null : readOf(path, size, env);
  for (let i = 0; i < count; i++) {
    const response = read
      ? await app.fetch(read.request(), read.env, ctx)
      : await bareHeaders.fetch(new Request(`http://127.0.0.1/value/${size}`), env, ctx);
    if (response.status !== 200) failed++;
    await response.arrayBuffer();
  }
  return failed;
}

export default {
  /**
   * `POST /seed`: writes the key of each size; `POST /run?path=&size=&count=`:
   * serves `count` reads of that path in turn and answers how many failed.
   * Anything else: `/value/{size}` is the bare-headers baseline, the rest geocache.
   */
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/seed") {
      for (const size of ["small", "large"] as const) {
        const put = new Request(`http://127.0.0.1/v1/keys/${pathCostKey(size)}`, { method: "PUT", body: valueOf(size), headers: { "Content-Type": "application/octet-stream" } });
        const answer = await app.fetch(put, env, ctx);
        if (answer.status !== 200) return new Response(`seeding failed: ${answer.status} ${await answer.text()}`, { status: 500 });
      }
      return new Response("seeded");
    }
    if (request.method === "POST" && url.pathname === "/run") {
      const path = url.searchParams.get("path") as PathName;
      const size = url.searchParams.get("size") === "large" ? "large" : "small";
      const count = Number(url.searchParams.get("count") ?? 1000);
      if (!PATHS.includes(path) || !Number.isInteger(count) || count < 1) return new Response("bad run", { status: 400 });
      return Response.json({ failed: await runPath(path, size, count, env, ctx) });
    }
    if (url.pathname.startsWith("/value/")) return bareHeaders.fetch(request, env, ctx);
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
