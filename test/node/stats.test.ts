import { describe, expect, it } from "vitest";
import { apiUrl, eventually, keyUrl, read, uniqueKey } from "./helpers";
import { Histogram, WindowedHistogram } from "../../durable-objects/stats/histogram";

interface RegionFigures {
  replication: { lagMs: { total: { count: number; p50: number; max: number } }; applied: number };
  reads: { total: number; byTier: Record<string, number>; byMode: Record<string, number>; pastNearest: Record<string, number> };
}

async function figures(region: string): Promise<RegionFigures> {
  const answer = await fetch(apiUrl("/v1/stats"));
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { regions: Record<string, RegionFigures> }).regions[region]!;
}

describe("GET /v1/stats", () => {
  it("counts the reads served in a region by tier, mode and why they went past the replica", async () => {
    const region = "afr";
    const before = await figures(region);
    const key = uniqueKey("stats");
    await fetch(keyUrl(key), { method: "PUT", body: "x", headers: { "X-Region": "weur" } });
    const strong = await read(key, region, "strong");
    await strong.arrayBuffer();
    const bounded = await fetch(keyUrl(key), { headers: { "X-Region": region, "X-Max-Staleness": "0" } });
    await bounded.arrayBuffer();
    const missing = await read(uniqueKey("stats-missing"), region, "eventual");
    await missing.arrayBuffer();

    const after = await figures(region);
    expect(after.reads.total - before.reads.total).toBe(3);
    expect(after.reads.byMode.strong! - before.reads.byMode.strong!).toBe(1);
    expect(after.reads.byMode.bounded! - before.reads.byMode.bounded!).toBe(1);
    expect(after.reads.byTier.primary! - before.reads.byTier.primary!).toBe(1);
    expect(after.reads.pastNearest.miss! - before.reads.pastNearest.miss!).toBe(1);
    expect(after.reads.pastNearest.bound! + after.reads.pastNearest.miss! - before.reads.pastNearest.bound! - before.reads.pastNearest.miss!).toBe(2);
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
