import type { CacheOutcome } from "../durable-objects/record";
import { ReadTally } from "../durable-objects/stats/read-tally";
import type { ShortfallReason } from "../durable-objects/freshness";
import type { Region } from "../durable-objects/topology";
import type { Placement } from "../durable-objects/placement";
import type { ServedRead } from "./read-path";

/** How often an isolate sends its tallies, at most. */
const FLUSH_INTERVAL_MS = 1_000;

/** Why a replica went on to the primary, from how it says it answered. */
const PAST_NEAREST: Partial<Record<CacheOutcome, ShortfallReason>> = {
  miss: "miss",
  forwarded: "min_version",
  revalidated: "bound",
};

/**
 * Counts the reads this isolate serves, per region, and sends the counts to
 * each region's stats object at most once a second (after a response, never
 * in its way). Memory is fixed per region; a flush starts the tallies anew.
 */
export class StatsRecorder {
  private tallies = new Map<Region, ReadTally>();
  private lastFlush = Date.now();
  private readonly sending = new Set<Promise<void>>();

  /** Counts a read made from `region` (the caller's, whichever tier's region served it). */
  record(region: Region, read: ServedRead): void {
    let tally = this.tallies.get(region);
    if (!tally) {
      tally = new ReadTally();
      this.tallies.set(region, tally);
    }
    const pastNearest = read.cache ? (PAST_NEAREST[read.cache] ?? null) : null;
    tally.record(read.servedBy, read.mode, pastNearest, read.stalenessMs);
  }

  /** Sends the tallies if a second has passed since the last flush (or at once with `force`). */
  flush(placement: Placement, force = false): Promise<void> | null {
    if (this.tallies.size === 0 || (!force && Date.now() - this.lastFlush < FLUSH_INTERVAL_MS)) return null;
    const tallies = this.tallies;
    this.tallies = new Map();
    this.lastFlush = Date.now();
    const sent: Promise<void> = Promise.allSettled(
      [...tallies].map(([region, tally]) => placement.stats(region).recordReads(tally.toJSON())),
    ).then(() => {
      this.sending.delete(sent);
    });
    this.sending.add(sent);
    return sent;
  }

  /** Sends what is left and waits for every send still on its way, so the stats objects hold every read counted here. */
  async settle(placement: Placement): Promise<void> {
    this.flush(placement, true);
    await Promise.all([...this.sending]);
  }
}

/** This isolate's recorder. */
export const statsRecorder = new StatsRecorder();
