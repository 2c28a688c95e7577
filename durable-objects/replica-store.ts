import { IsolateCache } from "./isolate-cache";
import { recordFromRow, type ConfirmedRecord, type RecordRow } from "./record";
import type { Migration } from "./schema";
import { entryId } from "./topology";

export const REPLICA_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE entries (
  id TEXT PRIMARY KEY,
  namespace TEXT NOT NULL,
  key TEXT NOT NULL,
  version INTEGER NOT NULL,
  value BLOB,
  content_type TEXT NOT NULL,
  committed_at INTEGER NOT NULL,
  confirmed_at INTEGER NOT NULL,
  applied_at INTEGER NOT NULL
) WITHOUT ROWID;`,
  },
  { version: 2, sql: "ALTER TABLE entries ADD COLUMN expires_at INTEGER;" },
];

type EntryRow = RecordRow & { confirmed_at: number };

/** Memory for a replica's hot copies: a shard serves many keys, and most reads go to few of them. */
export const REPLICA_MEMORY_BYTES = 4 * 1024 * 1024;

/**
 * A replica's copies, one row per key (tombstones included), with the
 * copies of keys being read in memory in front (least recently used out):
 * a read of a hot key costs no SQL, and pushes of keys nobody reads fill
 * no memory. Every call is synchronous. Memory follows every write of a
 * row; the primary's word that a copy is still the latest (a newer
 * `confirmedAt`) goes to memory alone while the copy is there, since losing
 * it only makes the copy look older than it is, and costs no commit.
 */
export class ReplicaStore {
  private readonly memory: IsolateCache;

  constructor(
    private readonly sql: SqlStorage,
    memoryBytes = REPLICA_MEMORY_BYTES,
  ) {
    this.memory = new IsolateCache(memoryBytes);
  }

  load(id: string): ConfirmedRecord | null {
    const hot = this.memory.get(id);
    if (hot) return hot.record;
    const row = this.sql
      .exec<EntryRow>(
        `SELECT namespace, key, version, value, content_type, committed_at, confirmed_at, expires_at
         FROM entries WHERE id = ?`,
        id,
      )
      .toArray()[0];
    if (!row) return null;
    const record = { ...recordFromRow(row), confirmedAt: row.confirmed_at };
    this.memory.set(id, record);
    return record;
  }

  /** The primary vouched for `version` at `confirmedAt`: refresh the copy if it is still at that version. */
  confirm(id: string, version: number, confirmedAt: number): void {
    const hot = this.memory.get(id)?.record;
    if (hot?.version === version) {
      if (confirmedAt > hot.confirmedAt) this.memory.set(id, { ...hot, confirmedAt });
      return;
    }
    this.sql.exec(
      "UPDATE entries SET confirmed_at = max(confirmed_at, ?) WHERE id = ? AND version = ?",
      confirmedAt,
      id,
      version,
    );
  }

  /**
   * Applies one record if it is newer than the copy held; answers the version
   * held afterwards. A newer record, the common case, costs one statement:
   * the write itself, made only if newer.
   */
  apply(record: ConfirmedRecord, appliedAt: number): { held: number; moved: boolean } {
    const id = entryId(record.namespace, record.key);
    const hot = this.memory.get(id)?.record.version;
    if (hot !== undefined && record.version <= hot) return this.notNewer(id, record, hot);
    const written = this.sql.exec(
      `INSERT INTO entries (id, namespace, key, version, value, content_type, committed_at, confirmed_at, expires_at, applied_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET
         version = excluded.version, value = excluded.value, content_type = excluded.content_type,
         committed_at = excluded.committed_at, confirmed_at = excluded.confirmed_at,
         expires_at = excluded.expires_at, applied_at = excluded.applied_at
       WHERE excluded.version > entries.version`,
      id,
      record.namespace,
      record.key,
      record.version,
      record.value,
      record.contentType,
      record.committedAt,
      record.confirmedAt,
      record.expiresAt,
      appliedAt,
    ).rowsWritten;
    if (written === 0) {
      const held = this.sql.exec<{ version: number }>("SELECT version FROM entries WHERE id = ?", id).one().version;
      return this.notNewer(id, record, held);
    }
    // Memory keeps the keys that are read: a push refreshes a copy held there, and brings in no other.
    if (this.memory.peek(id)) this.memory.set(id, record);
    return { held: record.version, moved: true };
  }

  /** A record no newer than the copy held at `held` moves nothing; the same version again is the primary vouching for it as of a later time. */
  private notNewer(id: string, record: ConfirmedRecord, held: number): { held: number; moved: boolean } {
    if (record.version === held) this.confirm(id, held, record.confirmedAt);
    return { held, moved: false };
  }
}
