/**
 * What the visibility polls prove about the service's replication lag.
 *
 * The service counts lag from the commit at the primary to the apply at a
 * replica (its own clock at both ends); the measurement counts visibility
 * from the client's acknowledgement to the end of the first read in a
 * region that returned the write. Seen from outside, for one sampled write:
 *
 * - the commit happened between the write being sent and its acknowledgement;
 * - the apply happened after the last read that did not return it was sent
 *   (that read reached the replica later still, and found an older copy),
 *   and before the first read that did return it ended.
 *
 * So its lag lies in (lastMissMs, ms + write latency], both counted from the
 * acknowledgement: visibility is lag − (ack − commit) + the time until a poll
 * reaches the replica after the apply, plus that poll's way back. This holds
 * only where the polls are answered by the region's replica (the edge tier
 * off): a copy at the edge can hide one the replica already holds.
 */
import type { VisibilityRecord, WriteRecord } from "./recorder";
import { sorted } from "./stats";

/** Where one update's replication lag must lie, in ms. */
export interface LagInterval {
  low: number;
  high: number;
}

/**
 * The sampled writes that `region`'s replica must have applied as
 * themselves: their poll ended at a replica, and no newer write of the key
 * (nor one that failed, whose version is unknown) was sent before that poll
 * ended — otherwise the primary may have pushed the newer version instead,
 * and this one was never applied there.
 *
 * @example appliedSamples(report.visibility, report.writes, "oc").length
 */
export function appliedSamples(visibility: readonly VisibilityRecord[], writes: readonly WriteRecord[], region: string): VisibilityRecord[] {
  return visibility.filter((sample) => {
    const seen = sample.regions[region];
    if (!seen || seen.ms === null || seen.servedBy !== "replica") return false;
    const hitEndedAt = sample.ackAt + seen.ms;
    return !writes.some((w) => w.key === sample.key && w.at < hitEndedAt && (w.version === null || w.version > sample.version));
  });
}

/**
 * The lag interval of every sampled write that `region`'s replica applied
 * as itself ({@link appliedSamples}).
 *
 * @example lagIntervals(report.visibility, report.writes, "oc").length
 */
export function lagIntervals(visibility: readonly VisibilityRecord[], writes: readonly WriteRecord[], region: string): LagInterval[] {
  return appliedSamples(visibility, writes, region).map((sample) => {
    const seen = sample.regions[region]!;
    return { low: Math.max(0, seen.lastMissMs ?? 0), high: seen.ms! + (sample.ackAt - sample.sentAt) };
  });
}

/**
 * Where the nearest-rank `p`th percentile of a population of `population`
 * lags must lie, given intervals that hold the true lags of some of its
 * members (the rest unseen): at least the (rank − unseen)th smallest low
 * end, at most the rank-th smallest high end (Infinity when too few were
 * seen to say).
 *
 * @example percentileBounds([{ low: 10, high: 20 }], 1, 50) // { low: 10, high: 20 }
 */
export function percentileBounds(intervals: readonly LagInterval[], population: number, p: number): LagInterval {
  const unseen = population - intervals.length;
  if (unseen < 0) throw new RangeError(`${intervals.length} intervals cannot come from a population of ${population}`);
  const rank = Math.max(1, Math.ceil((p / 100) * population));
  const lows = sorted(intervals.map((i) => i.low));
  const highs = sorted(intervals.map((i) => i.high));
  return {
    low: rank - unseen >= 1 ? lows[rank - unseen - 1]! : 0,
    high: rank <= highs.length ? highs[rank - 1]! : Number.POSITIVE_INFINITY,
  };
}
