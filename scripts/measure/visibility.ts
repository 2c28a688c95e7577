/**
 * Visibility of one write: how long after its acknowledgement each region
 * serves it to an eventual reader — from whichever tier answers there, the
 * edge cache included, since that is what such a reader gets.
 */
import type { GeocacheApi } from "./api";
import type { RegionVisibility } from "./recorder";

/** How a write's visibility is polled. */
export interface VisibilityPolling {
  /** The shortest pause between two reads of one region, ms. */
  pollMs: number;
  /** Give up on a region after this long, ms from the acknowledgement. */
  timeoutMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads `key` in every region (`X-Consistency: eventual`) until each serves
 * `version` or newer. A region's figure is the end of the first read that
 * did, so it is at most one read plus one pause late (the start of the last
 * read that did not is kept too: the copy arrived between the two); the pause grows to a
 * fifth of the time elapsed, so a region that takes seconds (an edge copy
 * still young enough to serve) costs tens of reads, not hundreds.
 *
 * @param ackAt `performance.now()` when the write was acknowledged
 */
export async function pollVisibility(
  api: GeocacheApi,
  key: string,
  version: number,
  ackAt: number,
  regions: readonly string[],
  polling: VisibilityPolling,
): Promise<Record<string, RegionVisibility>> {
  const entries = await Promise.all(
    regions.map(async (region): Promise<[string, RegionVisibility]> => {
      let polls = 0;
      let lastMissMs: number | null = null;
      for (;;) {
        const answer = await api.read(key, region, { mode: "eventual" });
        polls++;
        const elapsed = answer.endedAt - ackAt;
        if (answer.status === 200 && answer.version !== null && answer.version >= version) {
          return [region, { ms: elapsed, lastMissMs, servedBy: answer.servedBy, polls }];
        }
        lastMissMs = answer.startedAt - ackAt;
        if (elapsed >= polling.timeoutMs) return [region, { ms: null, lastMissMs, servedBy: null, polls }];
        await sleep(Math.max(polling.pollMs, elapsed / 5));
      }
    }),
  );
  return Object.fromEntries(entries);
}
