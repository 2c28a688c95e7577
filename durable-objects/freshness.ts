import type { ConfirmedRecord } from "./record";

/** What a read asks of the copy that serves it. */
export interface ReadConstraints {
  /** Serve only a copy at this version or newer (read-your-writes, monotonic reads). */
  minVersion?: number;
  /** Serve only a copy the primary vouched for at most this many ms ago. */
  maxStalenessMs?: number;
  /** How long a replica behind `minVersion` may wait for replication before asking the primary. */
  maxWaitMs?: number;
}

/** Why a copy could not serve a read. */
export type ShortfallReason = "miss" | "min_version" | "bound";

/**
 * Why `copy` cannot serve a read with these constraints at `now`, or null
 * when it can. The same rule decides at every tier: the edge cache, the
 * replica, and the client's session.
 *
 * @example shortfall({ ...record, version: 3 }, { minVersion: 4 }, Date.now()) // "min_version"
 */
export function shortfall(copy: Pick<ConfirmedRecord, "version" | "confirmedAt"> | null, want: ReadConstraints, now: number): ShortfallReason | null {
  if (!copy) return "miss";
  if (want.minVersion !== undefined && copy.version < want.minVersion) return "min_version";
  if (want.maxStalenessMs !== undefined && now - copy.confirmedAt > want.maxStalenessMs) return "bound";
  return null;
}
