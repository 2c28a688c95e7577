import { startMiniflareWorker } from "./miniflare-worker";

/** A worker started from wrangler.toml on 127.0.0.1 with storage of its own, for scripts and tests. */
export interface LocalWorker {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the worker of wrangler.toml in workerd, as `npm run dev` does but
 * straight in Miniflare (see {@link startMiniflareWorker} for why no dev
 * proxy stands in front), on a free port and with nothing persisted, so a
 * measurement starts from an empty store. Requests without a token act as
 * admin, as under `npm run dev`; `vars` override that and the settings of
 * wrangler.toml. `options.requestsPerToken` replaces wrangler.toml's
 * per-token limit (requests per 10 s), for a workload that sends more
 * through one token than a deployment allows. `options.inRam` keeps its
 * storage in a fresh directory under {@link storageRoot} (RAM where there is
 * one), removed when it stops, for measurements: on a disk every commit's
 * fsync holds the thread that serves every request. Without it storage is
 * kept in memory only. What the worker logs goes to stderr, so that a
 * script's stdout carries its own output alone.
 *
 * @example const worker = await startLocalWorker({ EDGE_CACHE_MAX_AGE_MS: "0" });
 */
export async function startLocalWorker(
  vars: Record<string, string> = {},
  options: { requestsPerToken?: number; inRam?: boolean } = {},
): Promise<LocalWorker> {
  const worker = await startMiniflareWorker("wrangler.toml", {
    name: "geocache",
    vars: { ANONYMOUS_ACCESS: "admin", ...vars },
    ...(options.requestsPerToken === undefined ? {} : { ratelimits: { RATE_LIMITER: { simple: { limit: options.requestsPerToken, period: 10 } } } }),
    persist: options.inRam === true,
    handleRuntimeStdio(stdout, stderr) {
      stdout.pipe(process.stderr, { end: false });
      stderr.pipe(process.stderr, { end: false });
    },
  });
  return { url: worker.url, stop: () => worker.stop() };
}
