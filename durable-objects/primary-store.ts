import { recordFromRow, type KeyRecord, type RecordRow } from "./record";
import type { Region } from "./topology";

/** The primary's one-row table of the key's latest record. Its schema is part of the primary's migrations. */
export const ENTRY_SCHEMA_V1 = `
CREATE TABLE entry (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  namespace TEXT NOT NULL,
  key TEXT NOT NULL,
  version INTEGER NOT NULL,
  value BLOB,
  content_type TEXT NOT NULL,
  committed_at INTEGER NOT NULL,
  home_region TEXT NOT NULL
);`;

export const ENTRY_SCHEMA_V2 = "ALTER TABLE entry ADD COLUMN expires_at INTEGER;";

type EntryRow = RecordRow & { home_region: string };

/** The stored record, and the region the primary was created for. */
export type StoredEntry = KeyRecord & { homeRegion: Region };

/**
 * Reads and writes the primary's record; every call is one synchronous SQL
 * statement at most. The record last loaded or saved is kept in memory:
 * the object is the only writer of its storage, and an object whose storage
 * write fails is reset, memory and all, so the copy is always what storage
 * holds. Writes and replication decide from it; strong reads {@link load}
 * from storage, as linearizability is owed to what is durable.
 */
export class PrimaryStore {
  /** The record last loaded or saved; undefined until one of them has run. */
  private known: StoredEntry | null | undefined = undefined;

  constructor(private readonly sql: SqlStorage) {}

  /** The stored record, read from storage. */
  load(): StoredEntry | null {
    const row = this.sql.exec<EntryRow>("SELECT * FROM entry WHERE id = 1").toArray()[0];
    this.known = row ? { ...recordFromRow(row), homeRegion: row.home_region as Region } : null;
    return this.known;
  }

  /** The stored record, from memory once a load or save has seen it. */
  latest(): StoredEntry | null {
    return this.known === undefined ? this.load() : this.known;
  }

  /** The latest record's version (0 before any write), from memory once a load or save has seen it. */
  version(): number {
    return this.latest()?.version ?? 0;
  }

  /** Stores `record` as the latest; the home region is set by the first write and kept after. */
  save(record: KeyRecord, homeRegion: Region): void {
    this.sql.exec(
      `INSERT INTO entry (id, namespace, key, version, value, content_type, committed_at, expires_at, home_region)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, value = excluded.value,
         content_type = excluded.content_type, committed_at = excluded.committed_at, expires_at = excluded.expires_at`,
      record.namespace,
      record.key,
      record.version,
      record.value,
      record.contentType,
      record.committedAt,
      record.expiresAt,
      homeRegion,
    );
    this.known = { ...record, homeRegion: this.known?.homeRegion ?? homeRegion };
  }
}
