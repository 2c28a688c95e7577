/**
 * From the samples of every round to the figures reported: medians over
 * rounds, ratios to each baseline, and the targets. Pure, so the
 * arithmetic is tested apart from any load.
 */
import type { ValueSize } from "./baselines/values";
import { BASELINES, type BaselineName, type CaseKind } from "./cases";
import type { Tier, TierCounts } from "./geocache-api";

/** One case measured in one round. */
export interface CaseSample {
  caseId: string;
  round: number;
  throughput: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  /** CPU time of the worker's workerd process during the run, per 2xx answer. */
  cpuUsPerRequest: number;
  /** geocache reads by the tier that served them, during the measured run. */
  tiers?: TierCounts;
}

/** What the summary needs to know of a case. */
export interface CaseInfo {
  id: string;
  kind: CaseKind;
  label: string;
  size: ValueSize | null;
  /** The worker that served the case (a baseline, or one of geocache's settings). */
  worker?: string;
  /** The tier that should serve the case's reads. */
  expectTier?: Tier;
}

export interface CaseSummary extends CaseInfo {
  rounds: number;
  /** Medians over rounds. */
  throughput: number;
  p50: number;
  p99: number;
  cpuUsPerRequest: number;
  failed: number;
  /** Per baseline: the median over rounds of this case's throughput over the baseline's in the same round (same size). */
  ratios: Partial<Record<BaselineName, number>>;
  /** Share of reads each tier served, over every round. */
  servedBy?: Partial<Record<keyof TierCounts, number>>;
}

/** A target of the issue: a case kind's throughput at least `min` × a baseline's, at each size. */
export interface Target {
  kind: CaseKind;
  baseline: BaselineName;
  min: number;
  text: string;
}

export interface TargetResult extends Target {
  caseId: string;
  ratio: number;
  met: boolean;
}

/** The throughput targets of issue 7, ratios measured in the same run. */
export const THROUGHPUT_TARGETS: readonly Target[] = [
  { kind: "eventual-replica", baseline: "object-rpc", min: 0.9, text: "eventual read from the replica ≥ 0.9× one Durable Object RPC" },
  { kind: "eventual-cache-api", baseline: "cache-api", min: 0.9, text: "eventual read from the edge tier's Cache API ≥ 0.9× Cache API" },
  { kind: "strong", baseline: "object-rpc", min: 0.9, text: "strong read ≥ 0.9× one Durable Object RPC" },
  ...(["eventual-edge", "eventual-cache-api", "eventual-replica", "strong", "bounded"] as const).map((kind) => ({
    kind,
    baseline: "workers-kv" as const,
    min: 1.0,
    text: `${kind} read ≥ 1.0× Workers KV`,
  })),
  { kind: "eventual-edge", baseline: "bare", min: 0.8, text: "eventual read of a hot key (isolate memory) ≥ 0.8× bare worker" },
  { kind: "put-9", baseline: "object-rpc", min: 0.5, text: "PUT replicated to 9 regions ≥ 0.5× one Durable Object RPC" },
];

/**
 * The median: the middle value, or the mean of the two middle values. NaN for none.
 *
 * @example median([3, 1, 2, 10]) // 2.5
 */
export function median(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 ? finite[middle]! : (finite[middle - 1]! + finite[middle]!) / 2;
}

const baselineId = (baseline: BaselineName, size: ValueSize | null) => `${baseline}/${size ?? "small"}`;

/**
 * Summarizes each case over its rounds. A ratio pairs the case with the
 * baseline measured in the same round, then takes the median of those
 * ratios, so drift of the machine between rounds cancels out. A case
 * without a size (incr) is compared with the small baselines.
 *
 * @example summarizeCases([{ id: "bare/small", kind: "bare", label: "bare", size: "small" }], samples)
 */
export function summarizeCases(cases: readonly CaseInfo[], samples: readonly CaseSample[]): CaseSummary[] {
  const byCase = new Map<string, CaseSample[]>();
  for (const sample of samples) byCase.set(sample.caseId, [...(byCase.get(sample.caseId) ?? []), sample]);
  return cases.map((info) => {
    const own = byCase.get(info.id) ?? [];
    const ratios: CaseSummary["ratios"] = {};
    for (const baseline of BASELINES) {
      const theirs = new Map((byCase.get(baselineId(baseline, info.size)) ?? []).map((s) => [s.round, s.throughput]));
      const paired = own.filter((s) => theirs.has(s.round)).map((s) => s.throughput / theirs.get(s.round)!);
      if (paired.length) ratios[baseline] = median(paired);
    }
    // The case's own fields only: its request (a 64 KiB body among them) is not a result.
    const { id, kind, label, size, worker, expectTier } = info;
    const summary: CaseSummary = {
      id,
      kind,
      label,
      size,
      ...(worker === undefined ? {} : { worker }),
      ...(expectTier === undefined ? {} : { expectTier }),
      rounds: own.length,
      throughput: median(own.map((s) => s.throughput)),
      p50: median(own.map((s) => s.p50)),
      p99: median(own.map((s) => s.p99)),
      cpuUsPerRequest: median(own.map((s) => s.cpuUsPerRequest)),
      failed: own.reduce((sum, s) => sum + s.failed, 0),
      ratios,
    };
    const tiers = own.filter((s) => s.tiers).map((s) => s.tiers!);
    const total = tiers.reduce((sum, t) => sum + t.edge + t.replica + t.primary, 0);
    if (total > 0) {
      summary.servedBy = {};
      for (const tier of ["edge", "replica", "primary"] as const) {
        const share = tiers.reduce((sum, t) => sum + t[tier], 0) / total;
        if (share > 0) summary.servedBy[tier] = share;
      }
    }
    return summary;
  });
}

/** Below this share of its reads served by the tier it is meant to measure, a case is flagged in the report. */
export const EXPECTED_TIER_SHARE = 0.95;

/** True when a case meant for a tier had a smaller share than {@link EXPECTED_TIER_SHARE} of its reads served there. */
export function missedItsTier(summary: CaseSummary): boolean {
  return summary.expectTier !== undefined && summary.servedBy !== undefined && (summary.servedBy[summary.expectTier] ?? 0) < EXPECTED_TIER_SHARE;
}

/** Each target at each size the cases were measured at. */
export function evaluateTargets(summaries: readonly CaseSummary[], targets: readonly Target[] = THROUGHPUT_TARGETS): TargetResult[] {
  return targets.flatMap((target) =>
    summaries
      .filter((s) => s.kind === target.kind)
      .map((s) => {
        const ratio = s.ratios[target.baseline] ?? Number.NaN;
        return { ...target, caseId: s.id, ratio, met: ratio >= target.min };
      }),
  );
}
