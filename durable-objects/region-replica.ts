import { DurableObject } from "cloudflare:workers";
import { placementFor, type Placement, type PlacementEnv } from "./placement";
import type { CacheOutcome, ConfirmedRecord, KeyRef } from "./record";
import { migrate, type Migration } from "./schema";
import { entryId } from "./topology";

const MIGRATIONS: readonly Migration[] = [
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
];

type EntryRow = {
  namespace: string;
  key: string;
  version: number;
  value: ArrayBuffer | null;
  content_type: string;
  committed_at: number;
  confirmed_at: number;
};

/** A replica's answer to a read: the copy it serves, and whether it had to fill it from the primary. */
export interface ReplicaRead {
  record: ConfirmedRecord;
  cache: CacheOutcome;
};

/**
 * The copies of one shard of keys in one region (named `region/shard`,
 * placed in that region). A copy only ever moves forward: an update is
 * applied only when its version is newer than the one held, so duplicated,
 * delayed or reordered pushes are harmless. A read of a key the replica does
 * not hold fills it from the primary; concurrent misses for one key share one
 * fetch.
 */
export class RegionReplica extends DurableObject<PlacementEnv> {
  private readonly sql: SqlStorage;
  private readonly placement: Placement;
  private readonly fills = new Map<string, Promise<ConfirmedRecord>>();

  constructor(ctx: DurableObjectState, env: PlacementEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.placement = placementFor(env);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(this.sql, MIGRATIONS);
    });
  }

  /**
   * Applies pushed records, each only if newer than the copy held (an equal
   * version only refreshes `confirmedAt`). Answers the version held for each
   * record afterwards, which the primary records as acknowledged.
   */
  apply(records: ConfirmedRecord[]): number[] {
    const appliedAt = Date.now();
    return records.map((record) => this.applyOne(record, appliedAt));
  }

  /** The copy of a key held here, filled from the primary when there is none. */
  async read(ref: KeyRef): Promise<ReplicaRead> {
    const id = entryId(ref.namespace, ref.key);
    const held = this.load(id);
    if (held) return { record: held, cache: "hit" };
    let fill = this.fills.get(id);
    if (!fill) {
      fill = this.fill(id, ref).finally(() => this.fills.delete(id));
      this.fills.set(id, fill);
    }
    return { record: await fill, cache: "miss" };
  }

  /** The version held for a key, or null when there is no copy. */
  heldVersion(ref: KeyRef): number | null {
    return this.load(entryId(ref.namespace, ref.key))?.version ?? null;
  }

  private async fill(id: string, ref: KeyRef): Promise<ConfirmedRecord> {
    const { record } = await this.placement.primary(ref).read(ref);
    this.applyOne(record, Date.now());
    // A push may have landed while the fill was on its way: serve whatever is newest.
    return this.load(id) ?? record;
  }

  private applyOne(record: ConfirmedRecord, appliedAt: number): number {
    const id = entryId(record.namespace, record.key);
    this.sql.exec(
      `INSERT INTO entries (id, namespace, key, version, value, content_type, committed_at, confirmed_at, applied_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET
         version = excluded.version, value = excluded.value, content_type = excluded.content_type,
         committed_at = excluded.committed_at, confirmed_at = excluded.confirmed_at, applied_at = excluded.applied_at
       WHERE excluded.version > entries.version`,
      id,
      record.namespace,
      record.key,
      record.version,
      record.value,
      record.contentType,
      record.committedAt,
      record.confirmedAt,
      appliedAt,
    );
    this.sql.exec(
      "UPDATE entries SET confirmed_at = ? WHERE id = ? AND version = ? AND confirmed_at < ?",
      record.confirmedAt,
      id,
      record.version,
      record.confirmedAt,
    );
    return this.sql.exec<{ version: number }>("SELECT version FROM entries WHERE id = ?", id).one().version;
  }

  private load(id: string): ConfirmedRecord | null {
    const row = this.sql
      .exec<EntryRow>(
        "SELECT namespace, key, version, value, content_type, committed_at, confirmed_at FROM entries WHERE id = ?",
        id,
      )
      .toArray()[0];
    if (!row) return null;
    return {
      namespace: row.namespace,
      key: row.key,
      version: row.version,
      value: row.value,
      contentType: row.content_type,
      committedAt: row.committed_at,
      confirmedAt: row.confirmed_at,
    };
  }
}
