import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { GeocacheApi } from "../../scripts/measure/api";
import type { CellSummary, ReadRecord, Recorder } from "../../scripts/measure/recorder";
import { distribution } from "../../scripts/measure/stats";
import { formatMs, formatShare } from "../../scripts/measure/table";
import { DEFAULT_WORKLOAD, runWorkload, type WorkloadOptions, type WorkloadProgress } from "../../scripts/measure/workload";
import { apiUrl, eventually, REGIONS, uniqueKey } from "./helpers";

// The geo simulation under injected faults, on a worker of its own. The edge
// tier is off, so that an eventual read is answered by its region's replica:
// what a cut does to a region is what its replica holds.

const CUT = "oc";

let worker: LocalWorker;

beforeAll(async () => {
  worker = await startLocalWorker({ GEO_SIM: "on", EDGE_CACHE_MAX_AGE_MS: "0" });
}, 60_000);

afterAll(async () => {
  await fetch(`${worker.url}/v1/admin/faults`, { method: "DELETE" });
  await worker.stop();
});

function keyUrl(key: string): string {
  return `${worker.url}/v1/keys/${encodeURIComponent(key)}`;
}

interface Answer {
  status: number;
  version: number;
  stalenessMs: number;
  servedBy: string | null;
  cache: string | null;
  retryAfter: string | null;
  code?: string;
  /** `performance.now()` when sent and when the whole answer had arrived. */
  sentAt: number;
  endedAt: number;
  ms: number;
}

/** A request timed by the client, with what its answer says about where it came from. */
async function call(key: string, region: string, headers: Record<string, string> = {}, init: RequestInit = {}): Promise<Answer> {
  const sentAt = performance.now();
  const answer = await fetch(keyUrl(key), { ...init, headers: { "X-Region": region, ...headers } });
  const body = await answer.text();
  const endedAt = performance.now();
  const code = answer.status >= 400 ? (JSON.parse(body) as { error: { code: string } }).error.code : undefined;
  return {
    status: answer.status,
    version: Number(answer.headers.get("X-Version")),
    stalenessMs: Number(answer.headers.get("X-Staleness-Ms")),
    servedBy: answer.headers.get("X-Served-By"),
    cache: answer.headers.get("X-Cache"),
    retryAfter: answer.headers.get("Retry-After"),
    ...(code ? { code } : {}),
    sentAt,
    endedAt,
    ms: endedAt - sentAt,
  };
}

const read = (key: string, region: string, consistency = "eventual") => call(key, region, { "X-Consistency": consistency });
const write = (key: string, region: string, body: string) => call(key, region, {}, { method: "PUT", body });

function faultsRequest(faults: object | null): Promise<Response> {
  return fetch(`${worker.url}/v1/admin/faults`, faults ? { method: "PUT", body: JSON.stringify(faults) } : { method: "DELETE" });
}

/** Every isolate re-reads the faults within 100 ms of a change. */
const FAULTS_SEEN_MS = 250;

async function setFaults(faults: object | null): Promise<void> {
  expect((await faultsRequest(faults)).status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, FAULTS_SEEN_MS));
}

async function pushes(region: string): Promise<{ pending: number; retried: number }> {
  const stats = (await (await fetch(`${worker.url}/v1/stats`)).json()) as { regions: Record<string, { pushes: { pending: number; retried: number } }> };
  return stats.regions[region]!.pushes;
}

/** The cut region's eventual reads, in the order they were sent. */
function cutRegionReads(recorder: Recorder): ReadRecord[] {
  return recorder.reads.filter((r) => r.region === CUT && r.mode === "eventual").sort((a, b) => a.at - b.at);
}

/** The share of reads that were stale, and the p50 of how stale those were (ms; 0 for none). */
function summarizeReads(reads: ReadRecord[]): { reads: number; staleShare: number; stalenessP50: number } {
  const stale = reads.filter((r) => r.stale);
  return { reads: reads.length, staleShare: stale.length / reads.length, stalenessP50: stale.length ? distribution(stale.map((r) => r.stalenessMs)).p50 : 0 };
}

function describeReads(summary: ReturnType<typeof summarizeReads>): string {
  return `${summary.reads} reads, stale ${formatShare(summary.staleShare)}, staleness p50 ${formatMs(summary.stalenessP50)} ms`;
}

function describeCell(label: string, cell: CellSummary): string {
  return `${label}: ${cell.reads} reads (${cell.errors} failed), stale ${formatShare(cell.staleShare)}, staleness p50 ${formatMs(cell.staleness.p50)} p99 ${formatMs(cell.staleness.p99)} ms`;
}

describe("the geo simulation under faults", () => {
  it("measures a cut region's stale share growing during the cut and back to zero after it, with nothing acknowledged lost", async () => {
    const api = new GeocacheApi(worker.url);
    const regions = [CUT, "eeur"];
    const base: WorkloadOptions = {
      ...DEFAULT_WORKLOAD,
      regions,
      writerRegions: ["weur"],
      modes: ["eventual"],
      rate: 60,
      keys: 12,
      visibilityShare: 0,
      keyPrefix: `geo-cut-${crypto.randomUUID()}`,
    };
    // Before and after the cut the workload only reads (its first writes
    // replicate while it settles): with writes in flight, a read a replication
    // delay behind one is stale in any region, cut or not.
    const quiet = { ...base, readShare: 1, durationMs: 1500, settleMs: 800 };
    const cell = (recorder: Recorder, region: string) => recorder.summarize([region], ["eventual"]).cells[0]!;

    const before = (await runWorkload(api, quiet)).recorder;

    // The cut begins once the workload's first writes have been sent on their
    // way to every region: its reads then find oc's copies fresh, and oc falls
    // behind as the keys are written again, one after another.
    let cutting: Promise<Response> | undefined;
    const cutOnceSeeded = (progress: WorkloadProgress) => {
      if (progress.phase === "settle") cutting ??= faultsRequest({ cut: [CUT] });
    };
    const during = await runWorkload(api, { ...base, readShare: 0.8, durationMs: 3000, settleMs: 400 }, cutOnceSeeded);
    expect((await cutting!).status).toBe(200);
    expect(during.failures).toEqual([]);
    // Writes in weur to primaries in weur never cross the cut.
    expect(during.recorder.writes.filter((w) => w.status !== 200)).toEqual([]);
    // oc's reads in the first and the last third of the cut.
    const cutReads = cutRegionReads(during.recorder);
    const third = Math.floor(cutReads.length / 3);
    const earlier = summarizeReads(cutReads.slice(0, third));
    const later = summarizeReads(cutReads.slice(-third));
    const pendingDuring = (await pushes(CUT)).pending;

    await setFaults(null);
    const liftedAt = performance.now();
    const latest = during.recorder.latestAcknowledged();
    // Backoff is capped at 10 s: every pending push is retried within it.
    await eventually(
      async () => (await Promise.all([...latest].map(async ([key, version]) => (await read(key, CUT)).version === version))).every(Boolean),
      15_000,
      `every key's latest version in ${CUT} after the cut is lifted`,
    );
    const convergedMs = performance.now() - liftedAt;
    const after = (await runWorkload(api, quiet)).recorder;

    console.log(
      [
        describeCell(`${CUT} before the cut`, cell(before, CUT)),
        `${CUT} during the cut, first third: ${describeReads(earlier)}; last third: ${describeReads(later)}`,
        describeCell(`${CUT} during the cut`, cell(during.recorder, CUT)),
        describeCell("eeur during the cut", cell(during.recorder, "eeur")),
        `${CUT} pushes pending at the end of the cut: ${pendingDuring}; converged ${formatMs(convergedMs)} ms after the cut was lifted`,
        describeCell(`${CUT} after the cut`, cell(after, CUT)),
      ].join("\n"),
    );

    for (const [phase, recorder] of [["before", before], ["during", during.recorder], ["after", after]] as const) {
      for (const region of regions) expect(cell(recorder, region).errors, `${region} reads failed ${phase} the cut`).toBe(0);
    }
    expect(cell(before, CUT).staleShare).toBe(0);
    // Each key written during the cut stays stale in oc from then on, and falls further behind.
    expect(later.staleShare).toBeGreaterThan(earlier.staleShare);
    expect(later.staleShare).toBeGreaterThanOrEqual(0.5);
    expect(later.stalenessP50).toBeGreaterThan(earlier.stalenessP50);
    // The other regions kept up: only reads within a replication delay of a write are stale there.
    expect(cell(during.recorder, "eeur").staleShare).toBeLessThan(0.2);
    expect(pendingDuring).toBeGreaterThan(0);
    expect(cell(after, CUT).staleShare).toBe(0);

    // Nothing acknowledged was lost: the primary and every region's replica serve each key's latest version.
    const acknowledged = new Map<string, number>();
    for (const recorder of [before, during.recorder, after]) {
      for (const [key, version] of recorder.latestAcknowledged()) acknowledged.set(key, Math.max(version, acknowledged.get(key) ?? 0));
    }
    expect(acknowledged.size).toBe(base.keys);
    const served = await Promise.all(
      [...acknowledged].map(async ([key, version]) => {
        const strong = await read(key, "weur", "strong");
        const replicas = await Promise.all(REGIONS.map((region) => read(key, region)));
        return { key, version, strong: strong.version, replicas: replicas.map((r) => `${r.servedBy} v${r.version}`) };
      }),
    );
    for (const { key, version, strong, replicas } of served) {
      expect(strong, `${key} strong`).toBe(version);
      expect(replicas, key).toEqual(REGIONS.map(() => `replica v${version}`));
    }
  }, 40_000);

  it("in a cut region serves old copies with growing staleness and loose bounds, and fails fast what must cross the cut", async () => {
    const key = uniqueKey("cut");
    expect((await write(key, "weur", "v1")).status).toBe(200);
    await eventually(async () => (await read(key, CUT)).version === 1, 10_000, `v1 in ${CUT}`);
    // The yardstick: a strong read from oc crosses the planet to weur and back (about 282 ms in the matrix).
    const uncut = await read(key, CUT, "strong");
    expect(uncut.status).toBe(200);
    await eventually(async () => (await pushes(CUT)).pending === 0, 5_000, `no pushes pending to ${CUT} before the cut`);

    await setFaults({ cut: [CUT] });
    expect((await write(key, "weur", "v2")).status).toBe(200);
    // "Pending" counts the keys whose pushes to a region are failing, awaiting a retry.
    await eventually(async () => (await pushes(CUT)).pending > 0, 5_000, `a push pending to ${CUT}`);
    expect((await pushes("eeur")).pending).toBe(0);

    // oc keeps serving v1, and says how old it is: the bound grows with the time since the primary last vouched for it.
    const first = await read(key, CUT);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const second = await read(key, CUT);
    expect([first.status, first.version, second.status, second.version]).toEqual([200, 1, 200, 1]);
    expect((await read(key, "eeur")).version).toBe(2);
    // Each bound is taken while its read is in flight, so the growth lies within the reads' spans (±1 ms of clock).
    const grown = second.stalenessMs - first.stalenessMs;
    expect(grown).toBeGreaterThanOrEqual(second.sentAt - first.endedAt - 1);
    expect(grown).toBeLessThanOrEqual(second.endedAt - first.sentAt + 1);

    // Across the cut a strong read and a write fail at once instead of waiting out the trip. The first
    // error a local worker logs costs it tens of ms of loading source maps, so the second one is timed.
    expect((await read(key, CUT, "strong")).status).toBe(503);
    const strong = await read(key, CUT, "strong");
    const refused = await write(key, CUT, "from oc");
    for (const failed of [strong, refused]) {
      expect([failed.status, failed.code, failed.retryAfter]).toEqual([503, "unavailable", "1"]);
      expect(failed.ms).toBeLessThan(uncut.ms / 2);
    }
    expect((await read(key, "weur", "strong")).version, "the refused write changed nothing").toBe(2);
    console.log(
      `${CUT} cut off: X-Staleness-Ms ${first.stalenessMs} then ${second.stalenessMs} ms, ${formatMs(second.sentAt - first.sentAt)} ms apart; ` +
        `strong read ${formatMs(uncut.ms)} ms uncut, its 503 ${formatMs(strong.ms)} ms; a write's 503 ${formatMs(refused.ms)} ms`,
    );

    // A bound looser than the copy's age is served from it; a tighter one needs the primary, across the cut.
    const bounded = (ms: number) => call(key, CUT, { "X-Max-Staleness": String(ms) });
    const loose = await bounded(60_000);
    expect([loose.status, loose.version, loose.cache]).toEqual([200, 1, "HIT"]);
    const tight = await bounded(200);
    expect([tight.status, tight.code]).toEqual([503, "unavailable"]);
    expect(loose.stalenessMs).toBeGreaterThan(200);
    const stillLoose = await bounded(60_000);
    expect([stillLoose.status, stillLoose.version]).toEqual([200, 1]);
    expect(stillLoose.stalenessMs).toBeGreaterThan(loose.stalenessMs);

    await setFaults(null);
    await eventually(async () => (await read(key, CUT)).version === 2, 15_000, `v2 in ${CUT} after the cut is lifted`);
    // A primary reports the recovery just after the replica applied the push.
    await eventually(async () => (await pushes(CUT)).pending === 0, 5_000, `no pushes pending to ${CUT}`);
    expect((await pushes(CUT)).retried).toBeGreaterThan(0);
  }, 30_000);
  it("loses no write when a share of replication messages is dropped, duplicated by retries, or delayed", async () => {
    await setFaults({ dropShare: 0.3, delayShare: 0.3, delayMs: 150 });
    const keys = Array.from({ length: 8 }, (_, i) => uniqueKey(`lossy-${i}`));
    const written = await Promise.all(
      keys.map(async (key) => {
        let version = 0;
        for (let i = 1; i <= 3; i++) {
          const answer = await fetch(keyUrl(key), { method: "PUT", body: `v${i}`, headers: { "X-Region": "enam" } });
          version = ((await answer.json()) as { version: number }).version;
        }
        return version;
      }),
    );
    await setFaults(null);
    await eventually(
      async () => {
        const reads = await Promise.all(keys.flatMap((key) => REGIONS.map((region) => read(key, region))));
        return reads.every((r, i) => r.version === written[Math.floor(i / REGIONS.length)]);
      },
      20_000,
      "every acknowledged write in every region",
    );
  }, 45_000);

  it("rejects faults that do not parse, and has no fault endpoint outside the simulation", async () => {
    const bad = await fetch(`${worker.url}/v1/admin/faults`, { method: "PUT", body: JSON.stringify({ cut: ["mars"] }) });
    expect(bad.status).toBe(400);
    // The shared test worker runs without GEO_SIM, as production does.
    const absent = await fetch(apiUrl("/v1/admin/faults"), { method: "PUT", body: JSON.stringify({ cut: ["oc"] }) });
    expect(absent.status).toBe(404);
  });
});
