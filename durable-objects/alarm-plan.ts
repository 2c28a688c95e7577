import type { KeyRecord } from "./record";
import { PUSH_PRESUMED_LOST_MS, type PushesInFlight, type ReplicationLog } from "./replication";
import type { Region } from "./topology";

/**
 * When a primary's one alarm is next needed, worked out from what the
 * primary knows of its replication; the primary sets, moves and clears the
 * alarm itself. Pure apart from the clock, so the rules stand in one place.
 */

/**
 * How long after pushes start the alarm is due while they are in flight: it
 * pushes again only those lost with the instance (evicted mid-push) or
 * presumed lost (unanswered this long); pushes still on their way are left
 * to answer. Each firing costs the object three commits, and the writes of
 * a key written more often than this share one, so it is as long as a push
 * may hang before it is presumed lost, not shorter.
 */
export const IN_FLIGHT_BACKSTOP_MS = PUSH_PRESUMED_LOST_MS;

/**
 * A write this long or more after the key's previous one clears the
 * backstop once its pushes have answered: clearing costs a commit, while
 * keeping it lets the writes of the next 30 s share one firing, which
 * costs a few commits on a live instance and a restart on one evicted by
 * then. At a write a second or more apart, fewer than 30 writes would
 * share it, and clearing costs less.
 */
export const SPARSE_WRITE_GAP_MS = 1_000;

/** What a primary's alarm is planned from: its regions, what each acknowledged, and the pushes on their way. */
export interface ReplicationState {
  regions: readonly Region[];
  replication: ReplicationLog;
  pushes: PushesInFlight;
}

/**
 * When the alarm is next needed for the latest record `stored`, or null
 * when nothing is pending: a push (no earlier than `pushAt`, nor than the
 * earliest time a region with no push in flight is due), the backstop of
 * pushes in flight, or the value's expiry.
 *
 * @example
 * const target = nextWorkAt(state, store.latest(), retryAt);
 */
export function nextWorkAt({ regions, replication, pushes }: ReplicationState, stored: KeyRecord | null, pushAt?: number): number | null {
  const inFlight = pushes.any();
  const idle = inFlight ? regions.filter((region) => !pushes.inFlight(region)) : regions;
  const due = replication.nextDue(idle, stored?.version ?? 0);
  const candidates: number[] = [];
  if (due !== null) candidates.push(Math.max(pushAt ?? 0, due));
  if (inFlight) candidates.push(Date.now() + IN_FLIGHT_BACKSTOP_MS);
  if (stored?.value != null && stored.expiresAt !== null) candidates.push(stored.expiresAt);
  return candidates.length === 0 ? null : Math.max(Math.min(...candidates), Date.now());
}

/** Whether every region has acknowledged `stored` and no push is on its way: what is left for the alarm is the value's expiry, if any. */
export function fullyReplicated({ regions, replication, pushes }: ReplicationState, stored: KeyRecord | null): boolean {
  return !pushes.any() && replication.nextDue(regions, stored?.version ?? 0) === null;
}
