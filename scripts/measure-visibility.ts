/**
 * Replication visibility: the time from a PUT's answer until every region's
 * replica serves the new version.
 *
 *   npm run measure:visibility                                    # starts a local worker
 *   npm run measure:visibility -- --url https://… --token …       # against a deployment
 *   options: --writes N (default 200), --concurrency N (default 4)
 *
 * Each key is first written and read in every region, so every replica holds
 * version 1 and version 2 can reach it only by replication, never by a
 * read-through. Then version 2 is written and all regions are polled
 * (eventual reads) until each serves it. The local worker runs with the edge
 * tier off, so that the replicas answer; against a deployment, set
 * `EDGE_CACHE_MAX_AGE_MS = "0"` for the run, or the figures include how long
 * the edge may keep the old version. Naming a region takes a token with the
 * admin scope (`--token`, else `$GEOCACHE_TOKEN`).
 */
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { startLocalWorker, type LocalWorker } from "./local-worker";
import { storageRoot } from "./storage-root";
import { GeocacheApi } from "./measure/api";
import { describeMachine } from "./measure/machine";
import { percentile } from "./measure/stats";
import { mapBounded } from "../worker/bounded-map";

const USAGE = `usage: npm run measure:visibility -- [--url <url> [--token <token>]] [--writes N] [--concurrency N]

  --url <url>          measure this deployment (default: start a local worker, edge tier off)
  --token <token>      an admin token, sent as "Authorization: Bearer <token>" (default with --url: $GEOCACHE_TOKEN)
  --writes N           keys written and followed, 1 to 100000 (default 200)
  --concurrency N      keys followed at once, 1 to 64 (default 4)
`;

/** A region that has not served a write after this long fails the run. */
const GIVE_UP_MS = 30_000;

class UsageError extends Error {}

function wholeNumber(text: string, name: string, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 1 && value <= max)) throw new UsageError(`${name} takes a whole number from 1 to ${max}, not "${text}"`);
  return value;
}

function parseCommandLine() {
  try {
    const { values } = parseArgs({
      options: {
        url: { type: "string" },
        token: { type: "string" },
        writes: { type: "string", default: "200" },
        concurrency: { type: "string", default: "4" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.url !== undefined && !URL.canParse(values.url)) throw new UsageError(`--url "${values.url}" is not a URL`);
    if (values.token !== undefined && values.url === undefined) throw new UsageError("--token is for a deployment given by --url; the local worker takes none");
    return {
      url: values.url,
      token: values.token ?? (values.url ? process.env["GEOCACHE_TOKEN"] || undefined : undefined),
      writes: wholeNumber(values.writes!, "--writes", 100_000),
      concurrency: wholeNumber(values.concurrency!, "--concurrency", 64),
      help: values.help!,
    };
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError((error as Error).message);
  }
}

/** ms from the PUT's answer until `region` serves `version`; polls spaced by a tenth of the time waited. */
async function visibleAfter(api: GeocacheApi, key: string, region: string, version: number, answeredAt: number): Promise<number> {
  for (;;) {
    const read = await api.read(key, region, { mode: "eventual" });
    const waited = performance.now() - answeredAt;
    if ((read.version ?? 0) >= version) return waited;
    if (waited > GIVE_UP_MS) throw new Error(`${region} never served version ${version} of ${key} (last answer: ${read.status || "no answer"})`);
    await sleep(Math.max(1, waited / 10));
  }
}

async function written(api: GeocacheApi, key: string, value: string): Promise<number> {
  const answer = await api.put(key, new TextEncoder().encode(value), "weur");
  if (answer.version === null) throw new Error(`PUT ${key} answered ${answer.status || "nothing"}${answer.error ? `: ${answer.error}` : ""}`);
  return answer.version;
}

async function measureOne(api: GeocacheApi, regions: string[], i: number): Promise<number> {
  const key = `visibility-${i}-${crypto.randomUUID()}`;
  await written(api, key, "v1");
  await Promise.all(regions.map((region) => api.read(key, region, { mode: "eventual" })));
  const version = await written(api, key, "v2");
  const answeredAt = performance.now();
  const perRegion = await Promise.all(regions.map((region) => visibleAfter(api, key, region, version, answeredAt)));
  return Math.max(...perRegion);
}

async function main(): Promise<void> {
  const options = parseCommandLine();
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  let local: LocalWorker | null = null;
  try {
    if (!options.url) local = await startLocalWorker({ EDGE_CACHE_MAX_AGE_MS: "0" }, { inRam: true });
    const api = new GeocacheApi(options.url ?? local!.url, { token: options.token });
    const regions = await api.regions().catch((error: Error) => {
      throw new Error(`${api.baseUrl} did not answer GET /v1/regions: ${(error.cause as Error | undefined)?.message ?? error.message}`);
    });
    // One failure ends the run: no writer starts another key, and the run waits for those under way.
    const indices = Array.from({ length: options.writes }, (_, i) => i);
    const samples = await mapBounded(indices, options.concurrency, (i) => measureOne(api, regions, i));
    samples.sort((a, b) => a - b);
    console.log(`target: ${options.url ?? `local worker (Miniflare, storage in ${storageRoot()})`}`);
    console.log(`machine: ${describeMachine()}`);
    console.log(`regions: ${regions.length} (${regions.join(", ")}); writes: ${samples.length}; concurrency: ${options.concurrency}`);
    console.log(
      `visibility in every region: p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms`,
    );
  } finally {
    await local?.stop();
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(error instanceof UsageError ? `${error.message}\n\n${USAGE}` : `${(error as Error).message}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
