/**
 * Replication visibility: the time from a PUT's answer until every region's
 * replica serves the new version.
 *
 *   npm run measure:visibility                       # starts a local worker
 *   npm run measure:visibility -- --url https://…    # against a deployment
 *   options: --writes N (default 200), --concurrency N (default 4)
 *
 * Each key is first written and read in every region, so every replica holds
 * version 1 and version 2 can reach it only by replication, never by a
 * read-through. Then version 2 is written and all regions are polled
 * (eventual reads) until each serves it. The local worker runs with the edge
 * tier off, so that the replicas answer; against a deployment, set
 * `EDGE_CACHE_MAX_AGE_MS = "0"` for the run, or the figures include how long
 * the edge may keep the old version.
 */
import { parseArgs } from "node:util";
import { startLocalWorker } from "./local-worker";
import { storageRoot } from "./storage-root";
import { describeMachine } from "./measure/machine";
import { percentile } from "./measure/stats";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    writes: { type: "string", default: "200" },
    concurrency: { type: "string", default: "4" },
  },
});

const writes = Number(values.writes);
const concurrency = Number(values.concurrency);
const local = values.url ? null : await startLocalWorker({ EDGE_CACHE_MAX_AGE_MS: "0" }, { inRam: true });
const base = values.url ?? local!.url;

const regions = ((await (await fetch(`${base}/v1/regions`)).json()) as { regions: string[] }).regions;

function keyUrl(key: string): string {
  return `${base}/v1/keys/${encodeURIComponent(key)}`;
}

async function versionIn(key: string, region: string): Promise<number> {
  const answer = await fetch(keyUrl(key), { headers: { "X-Region": region, "X-Consistency": "eventual" } });
  await answer.arrayBuffer();
  return Number(answer.headers.get("X-Version") ?? 0);
}

async function put(key: string, value: string): Promise<number> {
  const answer = await fetch(keyUrl(key), { method: "PUT", body: value });
  if (answer.status !== 200) throw new Error(`PUT answered ${answer.status}`);
  return ((await answer.json()) as { version: number }).version;
}

/** ms from the PUT's answer until `region` serves `version`. */
async function visibleAfter(key: string, region: string, version: number, answeredAt: number): Promise<number> {
  for (;;) {
    if ((await versionIn(key, region)) >= version) return performance.now() - answeredAt;
    if (performance.now() - answeredAt > 30_000) throw new Error(`${region} never served version ${version} of ${key}`);
  }
}

async function measureOne(i: number): Promise<number> {
  const key = `visibility-${i}-${crypto.randomUUID()}`;
  await put(key, "v1");
  await Promise.all(regions.map((region) => versionIn(key, region)));
  const version = await put(key, "v2");
  const answeredAt = performance.now();
  const perRegion = await Promise.all(regions.map((region) => visibleAfter(key, region, version, answeredAt)));
  return Math.max(...perRegion);
}

const samples: number[] = [];
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < writes) samples.push(await measureOne(next++));
  }),
);
samples.sort((a, b) => a - b);

const machine = describeMachine();
console.log(`target: ${values.url ?? `local worker (Miniflare, storage in ${storageRoot()})`}`);
console.log(`machine: ${machine}`);
console.log(`regions: ${regions.length} (${regions.join(", ")}); writes: ${samples.length}; concurrency: ${concurrency}`);
console.log(
  `visibility in every region: p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms`,
);
await local?.stop();
