import { unstable_startWorker } from "wrangler";

/** A worker started from wrangler.toml on 127.0.0.1 with in-memory storage, for scripts. */
export interface LocalWorker {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the worker the way `npm run dev` does, but on a free port and with
 * nothing persisted, so a measurement starts from an empty store. Requests
 * without a token act as admin, as under `npm run dev`; `vars` override
 * that and the settings of wrangler.toml.
 *
 * @example const worker = await startLocalWorker({ EDGE_CACHE_MAX_AGE_MS: "0" });
 */
export async function startLocalWorker(vars: Record<string, string> = {}): Promise<LocalWorker> {
  const bindings = Object.fromEntries(
    Object.entries({ ANONYMOUS_ACCESS: "admin", ...vars }).map(([name, value]) => [name, { type: "plain_text" as const, value }]),
  );
  const worker = await unstable_startWorker({
    config: "wrangler.toml",
    bindings,
    dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, persist: false, watch: false, logLevel: "warn" },
  });
  await worker.ready;
  const url = (await worker.url).origin;
  return { url, stop: () => worker.dispose() };
}
