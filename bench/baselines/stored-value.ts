/**
 * The durable-write baselines' one row: the value and a version that every
 * write bumps, in one statement (one commit). The version makes every write
 * change the row: storage skips a commit that changes no page, so rewriting
 * the same bytes (as every request of the benchmark sends) would measure no
 * write at all.
 */
export const STORED_VALUE_SCHEMA = "CREATE TABLE IF NOT EXISTS stored (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, bytes BLOB NOT NULL)";

/** Writes `bytes` at the next version; answers that version. */
export function writeNewVersion(sql: SqlStorage, bytes: ArrayBuffer): number {
  return sql
    .exec<{ version: number }>(
      `INSERT INTO stored (id, version, bytes) VALUES (1, 1, ?)
       ON CONFLICT (id) DO UPDATE SET version = version + 1, bytes = excluded.bytes RETURNING version`,
      bytes,
    )
    .one().version;
}
