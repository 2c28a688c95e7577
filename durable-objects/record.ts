/**
 * What the primary and the replicas exchange about one key.
 *
 * A record is the latest state of a key at some version: a value, or a
 * tombstone (`value === null`) left by a delete or an expiry. Versions are
 * assigned by the key's primary only (1, 2, 3, …, bumped by every write,
 * delete and expiry), so "newer" is a plain comparison of versions on every
 * copy.
 */
export interface KeyRecord<Value = ArrayBuffer> {
  namespace: string;
  key: string;
  version: number;
  /** The value's bytes (at the edge, possibly still a stream), or null for a tombstone. */
  value: Value | null;
  contentType: string;
  /** The primary's clock (ms since epoch) when this version was committed. */
  committedAt: number;
  /** When the value stops existing (ms since epoch), or null for never. Every tier checks it. */
  expiresAt: number | null;
}

/**
 * A record as a copy holds it: `confirmedAt` is the primary's clock when the
 * primary last vouched that this version was the latest. A copy's staleness
 * bound is `now - confirmedAt`.
 */
export interface ConfirmedRecord<Value = ArrayBuffer> extends KeyRecord<Value> {
  confirmedAt: number;
}

/** The reference a caller gives to name a key. */
export interface KeyRef {
  namespace: string;
  key: string;
}

/** How a copy answered a read: from what it held, after waiting for replication, or after asking the primary. */
export type CacheOutcome = "hit" | "waited" | "miss" | "revalidated" | "forwarded";

/**
 * The record of a key that was never written: a tombstone at version 0, so
 * that a copy can remember the absence and any real write (version ≥ 1)
 * replaces it.
 */
export function absentRecord(ref: KeyRef, confirmedAt: number): ConfirmedRecord {
  return { ...ref, version: 0, value: null, contentType: "", committedAt: 0, expiresAt: null, confirmedAt };
}

/** True when the record holds a value that has not expired by `now`. */
export function isLive(record: KeyRecord<unknown>, now: number): boolean {
  return record.value !== null && (record.expiresAt === null || record.expiresAt > now);
}

/**
 * The record as a reader at `now` must see it: an expired value reads as a
 * tombstone of the same version, at every tier, whether or not the
 * primary's expiry has replicated yet.
 */
export function asSeenAt<R extends KeyRecord>(record: R, now: number): R {
  return record.value !== null && !isLive(record, now) ? { ...record, value: null } : record;
}

/** The columns every stored copy of a record has, as SQLite returns them. */
export type RecordRow = {
  namespace: string;
  key: string;
  version: number;
  value: ArrayBuffer | null;
  content_type: string;
  committed_at: number;
  expires_at: number | null;
};

/** The record a stored row holds. */
export function recordFromRow(row: RecordRow): KeyRecord {
  return {
    namespace: row.namespace,
    key: row.key,
    version: row.version,
    value: row.value,
    contentType: row.content_type,
    committedAt: row.committed_at,
    expiresAt: row.expires_at,
  };
}
