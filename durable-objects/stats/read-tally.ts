import type { ShortfallReason } from "../freshness";
import { Histogram, type HistogramData } from "./histogram";

export const TIERS = ["edge", "replica", "primary"] as const;
export const MODES = ["strong", "session", "bounded", "eventual"] as const;
export const REASONS: readonly ShortfallReason[] = ["miss", "min_version", "bound"];

/** Counts of served reads in one region, as a worker accumulates them between flushes. */
export interface ReadTallyData {
  byTier: Record<(typeof TIERS)[number], number>;
  byMode: Record<(typeof MODES)[number], number>;
  /** Reads that went past the region's replica to the primary, by why its copy could not serve them. */
  pastNearest: Record<ShortfallReason, number>;
  /** The staleness bound of the reads served. */
  staleness: HistogramData;
}

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;

/** Served reads counted with fixed memory: counters and one histogram. */
export class ReadTally {
  readonly byTier = zeros(TIERS);
  readonly byMode = zeros(MODES);
  readonly pastNearest = zeros(REASONS);
  readonly staleness = new Histogram();

  get count(): number {
    return TIERS.reduce((sum, tier) => sum + this.byTier[tier], 0);
  }

  record(tier: (typeof TIERS)[number], mode: (typeof MODES)[number], pastNearest: ShortfallReason | null, stalenessMs: number): void {
    this.byTier[tier]++;
    this.byMode[mode]++;
    if (pastNearest) this.pastNearest[pastNearest]++;
    this.staleness.record(stalenessMs);
  }

  /** Adds another tally's counts to this one. */
  merge(other: ReadTallyData): this {
    for (const tier of TIERS) this.byTier[tier] += other.byTier[tier];
    for (const mode of MODES) this.byMode[mode] += other.byMode[mode];
    for (const reason of REASONS) this.pastNearest[reason] += other.pastNearest[reason];
    this.staleness.merge(other.staleness);
    return this;
  }

  toJSON(): ReadTallyData {
    return { byTier: { ...this.byTier }, byMode: { ...this.byMode }, pastNearest: { ...this.pastNearest }, staleness: this.staleness.toJSON() };
  }
}
