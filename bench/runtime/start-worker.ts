import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { storageRoot } from "../../scripts/storage-root";
import { workerdChildren } from "./process-figures";

/** A worker running in workerd on 127.0.0.1, started for a benchmark. */
export interface BenchWorker {
  /** What the worker is called in reports. */
  name: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The Miniflare instance, for its bindings (seeding KV, the cache) and `dispatchFetch`. */
  miniflare: Miniflare;
  /** The workerd process that runs it (and Miniflare's own services: cache, KV). */
  pid: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Overrides of the config's `[vars]`. */
  vars?: Record<string, string>;
  /** Serve the V8 inspector of the worker's isolates on this port (for heap figures). */
  inspectorPort?: number;
  /** Keep Durable Object storage in files under this directory (a fresh one under {@link storageRoot} when absent). */
  durableObjectsDir?: string;
}


/** Bundles a worker's entry module as wrangler would: ESM, workerd conditions, `cloudflare:` modules left to the runtime. */
async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    write: false,
    logLevel: "error",
  });
  return result.outputFiles[0]!.text;
}

/**
 * Starts the worker a wrangler config describes, straight in Miniflare (a
 * workerd process of its own, no dev proxy in front, no request logging, storage in
 * memory), on a free port of 127.0.0.1. Every worker of a benchmark is
 * started this way, so geocache and its baselines pay the same runtime costs.
 *
 * @example const bare = await startWorker("bare", "bench/baselines/bare/wrangler.toml");
 */
export async function startWorker(name: string, configPath: string, options: StartOptions = {}): Promise<BenchWorker> {
  const config = resolve(configPath);
  const { workerOptions, main } = unstable_getMiniflareWorkerOptions(config);
  if (!main) throw new Error(`${configPath} names no main module`);
  const dir = await mkdtemp(join(tmpdir(), `bench-${name}-`));
  const scriptPath = join(dir, "worker.js");
  await writeFile(scriptPath, await bundle(resolve(dirname(config), main)));
  const storage = await mkdtemp(join(storageRoot(), `bench-${name}-storage-`));
  const before = await workerdChildren();
  const miniflare = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    inspectorPort: options.inspectorPort,
    durableObjectsPersist: options.durableObjectsDir ?? join(storage, "do"),
    kvPersist: join(storage, "kv"),
    cachePersist: join(storage, "cache"),
    workers: [
      {
        ...(workerOptions as object),
        name,
        modules: true,
        modulesRoot: dir,
        scriptPath,
        bindings: { ...(workerOptions.bindings ?? {}), ...(options.vars ?? {}) },
      },
    ],
  });
  const url = (await miniflare.ready).origin;
  const pid = [...(await workerdChildren())].find((p) => !before.has(p));
  if (pid === undefined) throw new Error(`the workerd process of ${name} was not found`);
  return {
    name,
    url,
    miniflare,
    pid,
    async stop() {
      await miniflare.dispose();
      await rm(dir, { recursive: true, force: true });
      await rm(storage, { recursive: true, force: true });
    },
  };
}
