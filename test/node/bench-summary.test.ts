import { describe, expect, it } from "vitest";
import { caseRows, figureLines, formatRatio, markdownReport, servedByText, floorLines, TABLE_HEADERS, type BenchResults } from "../../bench/report";
import { evaluateTargets, median, missedItsTier, summarizeCases, type CaseInfo, type CaseSample } from "../../bench/summary";

const info = (id: string, kind: CaseInfo["kind"], size: CaseInfo["size"] = "small"): CaseInfo => ({ id, kind, label: kind, size });

function sample(caseId: string, round: number, throughput: number, extra: Partial<CaseSample> = {}): CaseSample {
  return { caseId, round, throughput, p50: 1, p99: 2, ok: throughput, failed: 0, cpuUsPerRequest: 100, ...extra };
}

describe("bench summary", () => {
  it("takes the middle value, or the mean of the two middle ones, ignoring NaN", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([3, 1, 2, 10])).toBe(2.5);
    expect(median([Number.NaN, 4])).toBe(4);
    expect(median([])).toBeNaN();
  });

  it("pairs each round with the baseline of the same round and size before taking the median", () => {
    const cases = [info("object-rpc/small", "object-rpc"), info("strong/small", "strong"), info("object-rpc/large", "object-rpc", "large"), info("strong/large", "strong", "large")];
    // The machine slows down from round to round; the per-round ratio stays 0.5 for small values.
    const samples = [
      sample("object-rpc/small", 0, 1000),
      sample("strong/small", 0, 500),
      sample("object-rpc/small", 1, 600),
      sample("strong/small", 1, 300),
      sample("object-rpc/small", 2, 200),
      sample("strong/small", 2, 100),
      sample("object-rpc/large", 0, 100),
      sample("strong/large", 0, 100),
    ];
    const [, strongSmall, , strongLarge] = summarizeCases(cases, samples);
    expect(strongSmall!.ratios["object-rpc"]).toBeCloseTo(0.5);
    expect(strongSmall!.throughput).toBe(300);
    expect(strongSmall!.rounds).toBe(3);
    expect(strongLarge!.ratios["object-rpc"]).toBe(1);
    // No bare baseline was measured: no ratio to it.
    expect(strongSmall!.ratios.bare).toBeUndefined();
  });

  it("keeps of a case its own fields only, not its request", () => {
    const withRequest = { ...info("object-write/large", "object-write", "large"), worker: "object-write", request: { method: "PUT", body: new Uint8Array(65_536) } };
    const [summary] = summarizeCases([withRequest], [sample("object-write/large", 0, 100)]);
    expect(summary!.worker).toBe("object-write");
    expect(Object.keys(summary!)).not.toContain("request");
    expect(JSON.stringify(summary).length).toBeLessThan(1_000);
  });

  it("compares a case without a size with the small baselines, and adds up the tiers that served", () => {
    const cases = [info("bare/small", "bare"), info("incr", "incr", null), info("eventual-edge/small", "eventual-edge")];
    const samples = [
      sample("bare/small", 0, 400),
      sample("incr", 0, 100),
      sample("eventual-edge/small", 0, 200, { tiers: { edge: 90, replica: 10, primary: 0 } }),
      sample("eventual-edge/small", 1, 200, { tiers: { edge: 100, replica: 0, primary: 0 } }),
    ];
    const [, incr, edge] = summarizeCases(cases, samples);
    expect(incr!.ratios.bare).toBe(0.25);
    expect(edge!.servedBy).toEqual({ edge: 0.95, replica: 0.05 });
    expect(servedByText(edge!.servedBy!)).toBe("edge 95%, replica 5%");
  });

  it("flags a case that less than 95 % of its reads were served by the tier it is meant to measure", () => {
    const cases: CaseInfo[] = [
      { ...info("eventual-edge/small", "eventual-edge"), expectTier: "edge" },
      { ...info("eventual-quiet/small", "eventual-quiet"), expectTier: "replica" },
    ];
    const samples = [
      sample("eventual-edge/small", 0, 200, { tiers: { edge: 95, replica: 5, primary: 0 } }),
      sample("eventual-quiet/small", 0, 200, { tiers: { edge: 999, replica: 1, primary: 0 } }),
    ];
    const summaries = summarizeCases(cases, samples);
    expect(summaries.map(missedItsTier)).toEqual([false, true]);
    const [edge, quiet] = caseRows(summaries, []);
    expect(edge![0]).toBe("eventual-edge [edge 95%, replica 5%]");
    expect(quiet![0]).toBe("eventual-quiet [edge 100%, replica 0%] ⚠ not served by the replica");
  });

  it("judges the read p99 under writes missed when any read failed, whose latency the p99s leave out", () => {
    const reads = (p99: number, failed: number) => ({ p50: 1, p99, throughput: 500, failed });
    const underWrites = (failed: number): BenchResults["underWrites"] => ({
      keys: 1_000,
      writesPerSecond: 200,
      readsPerSecond: 500,
      readsAlone: reads(10, 0),
      readsUnderWrites: reads(11, failed),
      p99Ratio: 1.1,
      writes: { achievedRate: 200, p50: 2, p99: 9, failed: 0, skipped: 0 },
      workerdBusy: { alone: 0.2, underWrites: 0.5 },
      visibility: { samples: 100, unseen: 0, p50: 2, p99: 20, max: 30 },
    });
    const line = (failed: number) =>
      figureLines({ cases: [], underWrites: underWrites(failed), replicaMemory: null } as unknown as BenchResults).find((l) => l.startsWith("Eventual reads"))!;
    expect(line(0)).toContain("p99 × 1.10 ✓ (target ≤ 1.2×)");
    expect(line(3)).toContain("p99 × 1.10 ✗ (target ≤ 1.2×; 0 reads failed alone and 3 under writes)");
  });

  it("states each target's floor against the target's baseline, and the case against that floor, at each size measured", () => {
    const cases = [
      info("object-rpc/small", "object-rpc"),
      info("object-handoff/small", "object-handoff"),
      info("put-9/small", "put-9"),
      info("object-rpc/large", "object-rpc", "large"),
      info("object-handoff/large", "object-handoff", "large"),
    ];
    const samples = [
      sample("object-rpc/small", 0, 1000),
      sample("object-handoff/small", 0, 700),
      sample("put-9/small", 0, 140),
      sample("object-rpc/large", 0, 1000),
      sample("object-handoff/large", 0, 400),
    ];
    // No 9-region PUT at 64 KiB: no line for that size.
    // No hot-key case nor its floor was measured: only the PUT's floor, and only at 100 B.
    expect(floorLines(summarizeCases(cases, samples))).toEqual([
      "Floor of a replicated write (a durable write handed on by one RPC) at 100 B: 0.70× one Durable Object RPC, at or above the 9-region PUT's target of 0.5×; the 9-region PUT reaches 0.20× that floor.",
    ]);
    samples[1] = sample("object-handoff/small", 0, 499.6);
    expect(floorLines(summarizeCases(cases, samples))[0]).toContain("0.50× one Durable Object RPC, at or above");
    samples[1] = sample("object-handoff/small", 0, 400);
    expect(floorLines(summarizeCases(cases, samples))[0]).toContain("0.40× one Durable Object RPC, below the 9-region PUT's target of 0.5×; the 9-region PUT reaches 0.35× that floor");
  });

  it("judges each target at each size, and a target without its baseline as missed", () => {
    const cases = [info("object-rpc/small", "object-rpc"), info("put-9/small", "put-9"), info("put-9/large", "put-9", "large")];
    const samples = [sample("object-rpc/small", 0, 1000), sample("put-9/small", 0, 500), sample("put-9/large", 0, 10)];
    const results = evaluateTargets(summarizeCases(cases, samples), [{ kind: "put-9", baseline: "object-rpc", min: 0.5, text: "put" }]);
    expect(results.map((r) => [r.caseId, r.met])).toEqual([
      ["put-9/small", true],
      ["put-9/large", false],
    ]);
    expect(results[1]!.ratio).toBeNaN();
  });

  it("lays out a row per case with its ratios and targets, and the same rows in Markdown", () => {
    const cases = [info("object-rpc/small", "object-rpc"), info("strong/small", "strong")];
    const summaries = summarizeCases(cases, [sample("object-rpc/small", 0, 1000), sample("strong/small", 0, 870)]);
    const targets = evaluateTargets(summaries, [{ kind: "strong", baseline: "object-rpc", min: 0.9, text: "strong" }]);
    const [baseline, strong] = caseRows(summaries, targets);
    const doColumn = TABLE_HEADERS.indexOf("× DO");
    expect(baseline![doColumn]).toBe("");
    // Throughput, p50, p99, CPU, and no bare baseline measured.
    expect(strong!.slice(2, 7)).toEqual(["870", "1.0", "2.0", "100", "–"]);
    expect(strong![doColumn]).toBe("0.87");
    expect(strong!.at(-1)).toBe("✗ ≥0.9× DO");
    expect(formatRatio(undefined)).toBe("–");
    const results: BenchResults = {
      startedAt: "2026-01-02T03:04:05.000Z",
      machine: "2 × test CPU",
      commit: "abc1234",
      loadAverage: { start: 1, end: 2 },
      settings: { rounds: 1, warmupMs: 0, durationMs: 1000, connections: 1, quick: true, storage: "/dev/shm" },
      cases: summaries,
      targets,
      underWrites: null,
      replicaMemory: null,
    };
    const markdown = markdownReport(results).split("\n");
    expect(markdown[0]).toMatch(/^\| case \| size \| req\/s \|/);
    expect(markdown[3]).toContain("| 870 |");
    expect(markdown.at(-1)).toContain("2026-01-02 on 2 × test CPU (load average 1.0 → 2.0), code abc1234");
    expect(markdown.at(-1)).toContain("storage in /dev/shm");
  });
});
