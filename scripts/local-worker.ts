import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { unstable_startWorker, type Binding } from "wrangler";
import { storageRoot } from "./storage-root";

/** A worker started from wrangler.toml on 127.0.0.1 with storage of its own, for scripts and tests. */
export interface LocalWorker {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the worker the way `npm run dev` does, but on a free port and with
 * nothing persisted, so a measurement starts from an empty store. Requests
 * without a token act as admin, as under `npm run dev`; `vars` override
 * that and the settings of wrangler.toml. `options.requestsPerToken`
 * replaces wrangler.toml's per-token limit (requests per 10 s), for a
 * workload that sends more through one token than a deployment allows.
 * `options.inRam` keeps its storage in a fresh directory under
 * {@link storageRoot} (RAM where there is one), removed when it stops, for
 * measurements: on a disk every commit's fsync holds the thread that serves
 * every request. Without it storage is not persisted at all.
 *
 * @example const worker = await startLocalWorker({ EDGE_CACHE_MAX_AGE_MS: "0" });
 */
export async function startLocalWorker(
  vars: Record<string, string> = {},
  options: { requestsPerToken?: number; inRam?: boolean } = {},
): Promise<LocalWorker> {
  const bindings: Record<string, Binding> = Object.fromEntries(
    Object.entries({ ANONYMOUS_ACCESS: "admin", ...vars }).map(([name, value]) => [name, { type: "plain_text" as const, value }]),
  );
  if (options.requestsPerToken !== undefined) {
    // Same namespace as wrangler.toml's binding: only the limit changes.
    bindings.RATE_LIMITER = { type: "ratelimit", namespace_id: "4701", simple: { limit: options.requestsPerToken, period: 10 } };
  }
  const storage = options.inRam ? await mkdtemp(join(storageRoot(), "geocache-local-")) : null;
  const worker = await unstable_startWorker({
    config: "wrangler.toml",
    bindings,
    dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, persist: storage ?? false, watch: false, logLevel: "warn" },
  });
  await worker.ready;
  const url = (await worker.url).origin;
  return {
    url,
    async stop() {
      await worker.dispose();
      if (storage) await rm(storage, { recursive: true, force: true });
    },
  };
}
