import { DurableObject } from "cloudflare:workers";
import { WindowedHistogram, type HistogramData } from "./histogram";
import { ReadTally, type ReadTallyData } from "./read-tally";

/** What one region's stats object has counted since it started. */
export interface RegionStatsSnapshot {
  since: number;
  reads: ReadTallyData;
  staleness: { window: HistogramData; total: HistogramData };
  pushes: { pending: number; retried: number };
}

/**
 * The live figures of one region (named by its location hint) that no single
 * replica sees: the reads workers served there, by tier and mode, and the
 * pushes primaries failed to deliver there. Kept in memory with fixed-size
 * counters and histograms; workers send their tallies about once a second.
 */
export class RegionStats extends DurableObject {
  private readonly since = Date.now();
  private readonly reads = new ReadTally();
  private readonly staleness = new WindowedHistogram();
  private pending = 0;
  private retried = 0;

  /** Adds a worker's tally of reads served in this region. */
  recordReads(tally: ReadTallyData): void {
    this.reads.merge(tally);
    this.staleness.merge(tally.staleness);
  }

  /** A primary's push to this region failed and will be retried; `first` when that key's region was not failing yet. */
  pushFailed(first: boolean): void {
    this.retried++;
    if (first) this.pending++;
  }

  /** A primary's push to this region succeeded after failures. */
  pushRecovered(): void {
    this.pending = Math.max(0, this.pending - 1);
  }

  snapshot(): RegionStatsSnapshot {
    return {
      since: this.since,
      reads: this.reads.toJSON(),
      staleness: this.staleness.toJSON(),
      pushes: { pending: this.pending, retried: this.retried },
    };
  }
}
