import { afterAll, beforeAll, expect, it } from "vitest";
import { BUCKET_BOUNDS_MS } from "../../durable-objects/stats/histogram";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { GeocacheApi, type ReadMode, type ServiceStats } from "../../scripts/measure/api";
import { appliedSamples, lagIntervals, percentileBounds } from "../../scripts/measure/lag-bounds";
import type { Recorder } from "../../scripts/measure/recorder";
import { formatMs, renderTable } from "../../scripts/measure/table";
import { DEFAULT_WORKLOAD, runWorkload } from "../../scripts/measure/workload";
import { TEST_TOKENS, TEST_TOKENS_SECRET } from "../support/tokens";

// `GET /v1/stats` against what the measurement observes from outside, on a
// worker of its own (so its counters hold this run alone) with the geo
// simulation on, so that replication lags are tens to hundreds of ms. The
// edge tier is off: every eventual read and every visibility poll is then
// answered by the region's replica, the tier whose lag the service counts.
//
// The two figures measure different spans of one update:
//
//   service lag = apply at the replica − commit at the primary
//   visibility  = end of the first read that returned it − acknowledgement at the client
//
// so visibility = lag − (ack − commit) + the wait until a poll reaches the
// replica after the apply + that poll's way back. From outside the commit
// lies between the write being sent and acknowledged, and the apply between
// the sending of the last poll that missed it and the end of the first that
// saw it: each polled write's lag lies in an interval the measurement knows
// (scripts/measure/lag-bounds.ts). The service keeps every lag in fixed
// buckets and reports a percentile as its bucket's upper bound, so its p50
// lies in that bucket. The two must overlap, region by region.
//
// Every write is sampled (writes are three operations in ten, at most three
// polled at once), so the service's population is the polled writes plus
// the first write of each key (never polled), any write sampled while three
// others were polled, and polled writes overtaken by a newer one of their
// key; percentileBounds() widens the interval by exactly that many.

const HOME = "weur";
const MODES: ReadMode[] = ["strong", "eventual"];
const TOKEN = TEST_TOKENS.acmeAdmin.token;
/** The resolution of the service's clock (Date.now()), which each end of a lag is read from. */
const CLOCK_MS = 1;

let worker: LocalWorker;

beforeAll(async () => {
  // Deployed-style access: no anonymous requests, the measurement sends an admin token.
  // Polling every 10 ms from nine regions sends about 1,000 requests in the run
  // through that one token: more than wrangler.toml's limit lets through in 10 s.
  worker = await startLocalWorker(
    { GEO_SIM: "on", EDGE_CACHE_MAX_AGE_MS: "0", ANONYMOUS_ACCESS: "off", GEOCACHE_TOKENS: TEST_TOKENS_SECRET },
    { requestsPerToken: 100_000 },
  );
}, 60_000);

afterAll(async () => {
  await worker?.stop();
});

/** The smallest interval (lo, hi] the service's p50 says its true p50 lies in: the bucket it was read off. */
function bucketOf(p50: number): { lo: number; hi: number } {
  return { lo: Math.max(0, ...BUCKET_BOUNDS_MS.filter((bound) => bound < p50)), hi: p50 };
}

/** Versions of keys that `region`'s replica must have applied: those it served, and the polled writes it applied as themselves. */
function versionsSeenApplied(recorder: Recorder, region: string): Set<string> {
  const seen = new Set<string>();
  for (const read of recorder.reads) {
    if (read.region === region && read.servedBy === "replica" && read.version !== null) seen.add(`${read.key}@${read.version}`);
  }
  for (const sample of appliedSamples(recorder.visibility, recorder.writes, region)) seen.add(`${sample.key}@${sample.version}`);
  return seen;
}

it("reports per-region replication lag and reads that agree with what the measurement observes, within its error", async () => {
  const api = new GeocacheApi(worker.url, { token: TOKEN });
  const regions = await api.regions();
  const { recorder, failures, skipped } = await runWorkload(api, {
    ...DEFAULT_WORKLOAD,
    regions,
    writerRegions: [HOME],
    modes: MODES,
    rate: 10,
    durationMs: 7000,
    keys: 4,
    readShare: 0.7,
    visibilityShare: 1,
    visibilityConcurrency: 3,
    polling: { pollMs: 10, timeoutMs: 5000 },
    keyPrefix: `stats-agreement-${crypto.randomUUID()}`,
  });
  const answer = await api.stats();
  expect(answer, "GET /v1/stats with an admin token").toHaveProperty("stats");
  const stats = (answer as { stats: ServiceStats }).stats;

  expect(failures).toEqual([]);
  expect(skipped).toBe(0);
  expect(recorder.writes.every((w) => w.status === 200)).toBe(true);
  expect(recorder.reads.filter((r) => r.status !== 200).map((r) => `${r.region} ${r.mode} ${r.status}`)).toEqual([]);
  // Every acknowledged version: the first write of each key, then the run's writes.
  const acknowledged = recorder.writes.length + 4;
  const summary = recorder.summarize(regions, MODES);

  const rows: string[][] = [];
  for (const region of regions) {
    const figures = stats.regions[region]!;
    const { lagMs, applied } = figures.replication;
    const population = lagMs.total.count;

    // Updates applied: each one lag sample; no more than the versions acknowledged (a burst may
    // coalesce into one push), no fewer than the versions seen served by the replica there.
    expect(population, `${region}: a lag sample per update applied`).toBe(applied);
    expect(applied, `${region} applied ≤ versions acknowledged`).toBeLessThanOrEqual(acknowledged);
    const seenApplied = versionsSeenApplied(recorder, region);
    expect(applied, `${region} applied ≥ versions seen served there`).toBeGreaterThanOrEqual(seenApplied.size);

    // Replication lag p50: the service's bucket and the measurement's interval overlap.
    const intervals = lagIntervals(recorder.visibility, recorder.writes, region);
    expect(intervals.length, `${region} polled writes applied as themselves`).toBeGreaterThanOrEqual(8);
    // The service's clock counts whole ms at each end.
    const bounds = percentileBounds(intervals, population, 50);
    const outside = { low: bounds.low - CLOCK_MS, high: bounds.high + CLOCK_MS };
    const bucket = bucketOf(lagMs.total.p50);
    const where = `${region}: service p50 in (${bucket.lo}, ${bucket.hi}], measured from outside in [${formatMs(outside.low)}, ${formatMs(outside.high)}]`;
    expect(bucket.hi, where).toBeGreaterThanOrEqual(outside.low);
    expect(bucket.lo, where).toBeLessThan(outside.high);
    // The service's maximum is exact: no update took less than its interval's low end.
    expect(lagMs.total.max, `${region} max lag`).toBeGreaterThanOrEqual(Math.max(...intervals.map((i) => i.low)));

    // Reads, exactly: strong ones by the primary, eventual ones and every visibility poll by the replica.
    const strong = recorder.reads.filter((r) => r.region === region && r.mode === "strong").length;
    const eventual = recorder.reads.filter((r) => r.region === region && r.mode === "eventual").length;
    const polls = recorder.visibility.reduce((n, v) => n + (v.regions[region]?.polls ?? 0), 0);
    expect(figures.reads.byMode, `${region} reads by mode`).toMatchObject({ strong, eventual: eventual + polls, session: 0, bounded: 0 });
    expect(figures.reads.byTier, `${region} reads by tier`).toEqual({ primary: strong, replica: eventual + polls, edge: 0 });

    const visibility = summary.visibility.find((v) => v.region === region)!.visibility;
    rows.push([
      region,
      String(applied),
      String(intervals.length),
      `${formatMs(lagMs.total.p50)} (${bucket.lo}–${bucket.hi})`,
      `${formatMs(outside.low)}–${formatMs(outside.high)}`,
      formatMs(visibility.p50),
      String(figures.reads.total),
    ]);
  }
  console.log(
    `writes in ${HOME}: ${acknowledged} acknowledged, ${recorder.visibility.length} polled\n` +
      renderTable(["region", "applied", "polled", "service lag p50", "lag p50 from outside", "visibility p50", "reads"], rows),
  );
}, 60_000);
