import type { Miniflare } from "miniflare";
import { startMiniflareWorker } from "../../scripts/miniflare-worker";
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

/**
 * Starts the worker a wrangler config describes, straight in Miniflare (a
 * workerd process of its own, no dev proxy in front, no request logging, storage in
 * RAM), on a free port of 127.0.0.1. Every worker of a benchmark is
 * started this way, so geocache and its baselines pay the same runtime costs.
 *
 * @example const bare = await startWorker("bare", "bench/baselines/bare/wrangler.toml");
 */
export async function startWorker(name: string, configPath: string, options: StartOptions = {}): Promise<BenchWorker> {
  const before = await workerdChildren();
  const worker = await startMiniflareWorker(configPath, { name, ...options, persist: true });
  const pid = [...(await workerdChildren())].find((p) => !before.has(p));
  if (pid === undefined) {
    await worker.stop();
    throw new Error(`the workerd process of ${name} was not found`);
  }
  return { name, url: worker.url, miniflare: worker.miniflare, pid, stop: () => worker.stop() };
}
