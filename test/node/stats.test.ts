import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { Histogram, WindowedHistogram, type Summary } from "../../durable-objects/stats/histogram";
import { eventually, uniqueKey } from "./helpers";

// `GET /v1/stats` on a worker of its own (the settings of wrangler.toml: edge
// tier on, replication immediate), so that a region's counters hold this
// file's reads alone and can be checked exactly.

interface RegionFigures {
  replication: { lagMs: { total: Summary }; applied: number };
  reads: {
    total: number;
    byTier: Record<string, number>;
    byMode: Record<string, number>;
    pastNearest: Record<string, number>;
    stalenessMs: { window: Summary; total: Summary };
  };
}

let worker: LocalWorker;

beforeAll(async () => {
  worker = await startLocalWorker();
}, 60_000);

afterAll(async () => {
  await worker?.stop();
});

const keyUrl = (key: string) => `${worker.url}/v1/keys/${encodeURIComponent(key)}`;

async function figures(region: string): Promise<RegionFigures> {
  const answer = await fetch(`${worker.url}/v1/stats`);
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { regions: Record<string, RegionFigures> }).regions[region]!;
}

/** What a read's answer says about how it was served. */
interface Served {
  status: number;
  servedBy: string | null;
  mode: string | null;
  cache: string | null;
  stalenessMs: number;
}

/** The reads a test made in one region, as their answers described them. */
class Reads {
  readonly made: Served[] = [];

  constructor(readonly region: string) {}

  async read(key: string, headers: Record<string, string>): Promise<Served> {
    const answer = await fetch(keyUrl(key), { headers: { "X-Region": this.region, ...headers } });
    await answer.arrayBuffer();
    const h = answer.headers;
    const served = {
      status: answer.status,
      servedBy: h.get("X-Served-By"),
      mode: h.get("X-Consistency"),
      cache: h.get("X-Cache"),
      stalenessMs: Number(h.get("X-Staleness-Ms")),
    };
    this.made.push(served);
    return served;
  }

  /** How many of the reads made had `field` equal to each value. */
  countBy(field: "servedBy" | "mode"): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const served of this.made) counts[served[field]!] = (counts[served[field]!] ?? 0) + 1;
    return counts;
  }
}

/** `after − before` of each count, leaving out those that did not change. */
function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).flatMap(([name, n]) => (n !== before[name] ? [[name, n - (before[name] ?? 0)]] : [])));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("GET /v1/stats", () => {
  it("counts the reads served in a region by tier and mode, each reason for going past the replica, and their staleness", async () => {
    const reads = new Reads("afr");
    const key = uniqueKey("stats");
    const written = await fetch(keyUrl(key), { method: "PUT", body: "x", headers: { "X-Region": "weur" } });
    expect(written.status).toBe(200);
    const session = written.headers.get("X-Session")!;
    const writtenAt = performance.now();
    // Replication is immediate: by then afr's replica holds a copy at least this old.
    const AGE_MS = 300;
    await sleep(AGE_MS);

    expect((await reads.read(key, { "X-Consistency": "strong" })).servedBy).toBe("primary");
    for (let i = 0; i < 3; i++) expect((await reads.read(key, { "X-Consistency": "eventual" })).status).toBe(200);
    expect((await reads.read(key, { "X-Session": session })).mode).toBe("session");
    expect((await reads.read(key, { "X-Max-Staleness": "60000" })).mode).toBe("bounded");

    // Each reason to go past the replica, one at a time.
    const pastNearest = async (headers: Record<string, string>, readKey = key) => {
      const before = (await figures(reads.region)).reads.pastNearest;
      const served = await reads.read(readKey, headers);
      return { served, counted: delta((await figures(reads.region)).reads.pastNearest, before) };
    };
    // A minimum version above the replica's copy (and the primary's: it answers with the latest).
    const minVersion = await pastNearest({ "X-Min-Version": "99" });
    expect([minVersion.served.status, minVersion.served.mode, minVersion.served.cache]).toEqual([200, "session", "FORWARDED"]);
    expect(minVersion.counted).toEqual({ min_version: 1 });
    // A bound of 0 ms: only a copy the primary vouches for now.
    const bound = await pastNearest({ "X-Max-Staleness": "0" });
    expect([bound.served.status, bound.served.mode, bound.served.cache]).toEqual([200, "bounded", "REVALIDATED"]);
    expect(bound.counted).toEqual({ bound: 1 });
    // A key never written: the replica has no copy.
    const miss = await pastNearest({ "X-Consistency": "eventual" }, uniqueKey("stats-missing"));
    expect([miss.served.status, miss.served.mode, miss.served.cache]).toEqual([404, "eventual", "MISS"]);
    expect(miss.counted).toEqual({ miss: 1 });
    const elapsedMs = performance.now() - writtenAt;

    const { reads: counted } = await figures(reads.region);
    expect(counted.total).toBe(reads.made.length);
    expect(counted.byMode).toEqual({ strong: 1, session: 2, bounded: 2, eventual: 4 });
    expect(counted.byTier).toEqual({ edge: 0, replica: 0, primary: 0, ...reads.countBy("servedBy") });
    expect(counted.pastNearest).toEqual({ miss: 1, min_version: 1, bound: 1 });

    // The staleness of the reads served: the bounds their answers carried, read off the same buckets.
    const expected = new Histogram();
    for (const served of reads.made) expected.record(served.stalenessMs);
    console.log(
      `afr: ${reads.made.length} reads, X-Staleness-Ms ${reads.made.map((r) => r.stalenessMs).join(", ")}; ` +
        `service p50 ${counted.stalenessMs.total.p50} p99 ${counted.stalenessMs.total.p99} ms`,
    );
    expect(counted.stalenessMs.total).toEqual(expected.summary());
    expect(counted.stalenessMs.window).toEqual(expected.summary());
    // Those figures make sense: the primary's answers are 0 ms behind; the five
    // reads of afr's copies (of nine) were at least its age, so the median is
    // too; none was older than the write.
    expect(reads.made.filter((r) => r.servedBy === "primary").every((r) => r.stalenessMs === 0)).toBe(true);
    expect(counted.stalenessMs.total.p50).toBeGreaterThanOrEqual(AGE_MS);
    expect(counted.stalenessMs.total.p99).toBeLessThanOrEqual(elapsedMs + 1);
  });

  it("reports replication lag from commit at the primary to apply at each region's replicas", async () => {
    const before = await figures("me");
    const key = uniqueKey("lag");
    await fetch(keyUrl(key), { method: "PUT", body: "x", headers: { "X-Region": "weur" } });
    await eventually(async () => (await figures("me")).replication.applied > before.replication.applied, 10_000, "an apply in me");
    const after = await figures("me");
    expect(after.replication.lagMs.total.count).toBeGreaterThan(before.replication.lagMs.total.count);
    expect(after.replication.lagMs.total.max).toBeLessThan(5_000);
  });
});

describe("Histogram", () => {
  it("reads percentiles off fixed buckets, merges by adding counts, and slides its window", () => {
    const histogram = new Histogram();
    for (let ms = 1; ms <= 100; ms++) histogram.record(ms);
    expect(histogram.summary()).toEqual({ count: 100, p50: 50, p90: 100, p99: 100, max: 100 });
    const merged = new Histogram(histogram.toJSON()).merge(histogram.toJSON());
    expect(merged.count).toBe(200);
    expect(merged.percentile(50)).toBe(50);

    const windowed = new WindowedHistogram(1_000, 2);
    windowed.record(5, 10_000);
    windowed.record(700, 12_500);
    expect(windowed.recent(12_600).count).toBe(1);
    expect(windowed.total.count).toBe(2);
  });
});
