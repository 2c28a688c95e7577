import type { CacheOutcome } from "../durable-objects/record";
import { ReadTally } from "../durable-objects/stats/read-tally";
import type { ShortfallReason } from "../durable-objects/freshness";
import type { Region } from "../durable-objects/topology";
import type { Placement } from "../durable-objects/placement";
import type { ServedRead } from "./read-path";

/** How often an isolate sends its tallies, at most. */
const FLUSH_INTERVAL_MS = 1_000;

/** A stats read waits this long at most for the sends of other requests, looking every few ms. */
const SETTLE_LIMIT_MS = 2_000;
const SETTLE_POLL_MS = 5;

/** A send unfinished this long is taken as lost with its request. */
const SEND_PRESUMED_LOST_MS = 10_000;

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
  /** Sends on their way, by when they started. */
  private readonly sending = new Map<Promise<void>, number>();

  /** Counts a read made from `region` (the caller's, whichever tier's region served it). */
  record(region: Region, read: ServedRead<unknown>): void {
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
    this.sending.set(sent, Date.now());
    return sent;
  }

  /**
   * Sends what is left and waits for every send still on its way, so the
   * stats objects hold every read counted here. Sends other requests
   * started are waited for by the clock, never awaited: a request that
   * awaits another's promise is left hanging when that request ends first
   * (the runtime cancels the continuation, and the request fails). A send
   * unfinished after {@link SEND_PRESUMED_LOST_MS} (its request cancelled
   * with it) is given up, and no caller waits more than {@link SETTLE_LIMIT_MS}.
   */
  async settle(placement: Placement): Promise<void> {
    const deadline = Date.now() + SETTLE_LIMIT_MS;
    const own = this.flush(placement, true);
    if (own) {
      let timer: ReturnType<typeof setTimeout> | null = null;
      await Promise.race([own, new Promise((resolve) => (timer = setTimeout(resolve, SETTLE_LIMIT_MS)))]);
      clearTimeout(timer);
    }
    while (this.othersOnTheirWay() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }

  private othersOnTheirWay(): boolean {
    const now = Date.now();
    for (const [send, startedAt] of this.sending) if (now - startedAt > SEND_PRESUMED_LOST_MS) this.sending.delete(send);
    return this.sending.size > 0;
  }
}

/** This isolate's recorder. */
export const statsRecorder = new StatsRecorder();
