import { unstable_startWorker } from "wrangler";

/** A worker started from wrangler.toml on 127.0.0.1 with in-memory storage, for scripts. */
export interface LocalWorker {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the worker the way `npm run dev` does, but on a free port and with
 * nothing persisted, so a measurement starts from an empty store.
 */
export async function startLocalWorker(): Promise<LocalWorker> {
  const worker = await unstable_startWorker({
    config: "wrangler.toml",
    dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, persist: false, watch: false, logLevel: "warn" },
  });
  await worker.ready;
  const url = (await worker.url).origin;
  return { url, stop: () => worker.dispose() };
}
