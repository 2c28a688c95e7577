import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { build } from "esbuild";
import { Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { storageRoot } from "./storage-root";

/** A worker a wrangler config describes, running in a workerd process of its own on 127.0.0.1. */
export interface MiniflareWorker {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The Miniflare instance, for its bindings (seeding KV, the cache) and `dispatchFetch`. */
  miniflare: Miniflare;
  stop(): Promise<void>;
}

export interface MiniflareWorkerOptions {
  /** The worker's name, in reports and in its scratch directory's. */
  name: string;
  /** Bindings added to, or put in place of, the config's `[vars]`. */
  vars?: Record<string, string>;
  /** Rate-limiting bindings put in place of the config's, by binding name. */
  ratelimits?: WorkerOptions["ratelimits"];
  /**
   * Keep Durable Objects, KV and the Cache API in files, in a fresh
   * directory under {@link storageRoot} (RAM where there is one) removed on
   * stop; without it nothing is persisted (memory only).
   */
  persist?: boolean;
  /** Keep Durable Object storage in this directory instead (the rest as `persist` says). */
  durableObjectsDir?: string;
  /** Serve the V8 inspector of the worker's isolates on this port. */
  inspectorPort?: number;
  /** What to do with workerd's stdout and stderr (the worker's console among them); Miniflare prints both by default. */
  handleRuntimeStdio?: (stdout: Readable, stderr: Readable) => void;
}

/** The worker options wrangler derives from a config (everything but the script). */
type ConfigWorkerOptions = ReturnType<typeof unstable_getMiniflareWorkerOptions>["workerOptions"];

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
 * Starts the worker a wrangler config describes straight in Miniflare, on a
 * free port of 127.0.0.1, with its bindings, Durable Objects and rate
 * limiters as the config declares them. No dev proxy stands in front:
 * wrangler 4.86's (`wrangler dev`, `unstable_startWorker`) forwards each
 * request over a keep-alive connection that its other end may be closing,
 * and then answers a PUT with 503 "Your worker restarted mid-request" and
 * holds a GET until a restart that never comes (cloudflare/workers-sdk#14641),
 * which a test or a measurement must not mistake for the worker's own answer.
 *
 * @example const worker = await startMiniflareWorker("wrangler.toml", { name: "geocache", vars: { GEO_SIM: "on" } });
 */
export async function startMiniflareWorker(configPath: string, options: MiniflareWorkerOptions): Promise<MiniflareWorker> {
  const config = resolve(configPath);
  const { workerOptions, main } = unstable_getMiniflareWorkerOptions(config);
  if (!main) throw new Error(`${configPath} names no main module`);
  const dir = await mkdtemp(join(tmpdir(), `worker-${options.name}-`));
  let storage: string | undefined;
  let miniflare: Miniflare | undefined;
  const removeFiles = async () => {
    await rm(dir, { recursive: true, force: true });
    if (storage) await rm(storage, { recursive: true, force: true });
  };
  try {
    const scriptPath = join(dir, "worker.js");
    await writeFile(scriptPath, await bundle(resolve(dirname(config), main)));
    if (options.persist) storage = await mkdtemp(join(storageRoot(), `worker-${options.name}-storage-`));
    miniflare = withTmpdir(dir, () => startMiniflare(options, dir, scriptPath, workerOptions, storage));
    const url = (await miniflare.ready).origin;
    const running = miniflare;
    return {
      url,
      miniflare: running,
      async stop() {
        await running.dispose();
        await removeFiles();
      },
    };
  } catch (error) {
    await miniflare?.dispose().catch(() => {});
    await removeFiles();
    throw error;
  }
}

/**
 * Runs `create` with the OS's temporary directory pointed into `dir`.
 * Miniflare makes its scratch directory under `os.tmpdir()` as it is
 * constructed and removes it on dispose without waiting, so a process that
 * exits right after (a test run's teardown) leaves it behind in /tmp; inside
 * `dir`, it goes when `stop()` removes `dir`.
 */
function withTmpdir<T>(dir: string, create: () => T): T {
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return create();
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
}

/** Miniflare on a free port of 127.0.0.1, running the bundle at `scriptPath` with the config's bindings and the options' overrides. */
function startMiniflare(
  options: MiniflareWorkerOptions,
  dir: string,
  scriptPath: string,
  workerOptions: ConfigWorkerOptions,
  storageDir: string | undefined,
): Miniflare {
  return new Miniflare({
    host: "127.0.0.1",
    port: 0,
    inspectorPort: options.inspectorPort,
    durableObjectsPersist: options.durableObjectsDir ?? (storageDir ? join(storageDir, "do") : false),
    kvPersist: storageDir ? join(storageDir, "kv") : false,
    cachePersist: storageDir ? join(storageDir, "cache") : false,
    ...(options.handleRuntimeStdio ? { handleRuntimeStdio: options.handleRuntimeStdio } : {}),
    workers: [
      {
        ...(workerOptions as object),
        name: options.name,
        modules: true,
        modulesRoot: dir,
        scriptPath,
        bindings: { ...(workerOptions.bindings ?? {}), ...(options.vars ?? {}) },
        ...(options.ratelimits ? { ratelimits: { ...(workerOptions.ratelimits ?? {}), ...options.ratelimits } } : {}),
      },
    ],
  });
}
