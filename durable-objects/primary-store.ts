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

/** Reads and writes the primary's record; every call is one synchronous SQL statement at most. */
export class PrimaryStore {
  /** The version last loaded or saved: the object is the only writer of its storage. */
  private knownVersion: number | null = null;

  constructor(private readonly sql: SqlStorage) {}

  load(): StoredEntry | null {
    const row = this.sql.exec<EntryRow>("SELECT * FROM entry WHERE id = 1").toArray()[0];
    this.knownVersion = row?.version ?? 0;
    if (!row) return null;
    return { ...recordFromRow(row), homeRegion: row.home_region as Region };
  }

  /**
   * The latest record's version (0 before any write), from memory once a
   * load or save has seen it: cheap enough to ask after every push.
   */
  version(): number {
    if (this.knownVersion === null) {
      this.knownVersion = this.sql.exec<{ version: number }>("SELECT version FROM entry WHERE id = 1").toArray()[0]?.version ?? 0;
    }
    return this.knownVersion;
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
    this.knownVersion = record.version;
  }
}
