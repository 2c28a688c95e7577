import type { WriteOp, WriteOutcome } from "./write";

/** How long a primary remembers an idempotency key at least. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
/** How many of the newest idempotency keys a primary keeps whatever their age. */
export const IDEMPOTENCY_KEEP_NEWEST = 1_000;
/** No primary remembers more than this many keys, so storage stays bounded under any write rate. */
export const IDEMPOTENCY_MAX = 10_000;

export const IDEMPOTENCY_SCHEMA = `
CREATE TABLE idempotency (
  idempotency_key TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  outcome TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX idempotency_by_age ON idempotency (created_at);`;

type IdempotencyRow = { kind: string; outcome: string };

/**
 * The answers a primary gave to writes that carried an `Idempotency-Key`, so
 * that a retry of the same write gets the same answer and changes nothing.
 * Kept for 24 hours, and the newest 1,000 whatever their age, but never
 * more than 10,000: a key written faster than that in a day forgets sooner.
 */
export class IdempotencyLog {
  constructor(private readonly sql: SqlStorage) {}

  /** The answer recorded for `key`, or null; a key first used for another kind of write is refused. */
  replay(key: string, op: WriteOp): WriteOutcome | null {
    const row = this.sql
      .exec<IdempotencyRow>("SELECT kind, outcome FROM idempotency WHERE idempotency_key = ?", key)
      .toArray()[0];
    if (!row) return null;
    const outcome = JSON.parse(row.outcome) as WriteOutcome;
    if (row.kind !== op.kind) return { ok: false, code: "idempotency_key_reused", currentVersion: 0, replayed: true };
    return { ...outcome, replayed: true };
  }

  /** Records the answer to a write, and forgets keys past their retention. */
  remember(key: string, op: WriteOp, outcome: WriteOutcome, now: number): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO idempotency (idempotency_key, kind, outcome, created_at) VALUES (?, ?, ?, ?)",
      key,
      op.kind,
      JSON.stringify(outcome),
      now,
    );
    this.sql.exec(
      `DELETE FROM idempotency WHERE idempotency_key IN (
         SELECT idempotency_key FROM idempotency ORDER BY created_at DESC LIMIT -1 OFFSET ?
       ) AND (created_at < ? OR idempotency_key IN (
         SELECT idempotency_key FROM idempotency ORDER BY created_at DESC LIMIT -1 OFFSET ?
       ))`,
      IDEMPOTENCY_KEEP_NEWEST,
      now - IDEMPOTENCY_RETENTION_MS,
      IDEMPOTENCY_MAX,
    );
  }
}
