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

/** What a replica has done since it started (in memory; reset when the object is). */
export interface ReplicaCounters {
  /** Reads answered from a copy held here. */
  hits: number;
  /** Reads that found no copy and waited for a fill. */
  misses: number;
  /** Fetches from primaries to fill misses (concurrent misses for one key share one). */
  fills: number;
  /** Pushed records that moved a copy forward. */
  applied: number;
  /** Pushed records that were not newer than the copy held. */
  ignored: number;
}

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
  private readonly counters: ReplicaCounters = { hits: 0, misses: 0, fills: 0, applied: 0, ignored: 0 };

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
    return records.map((record) => {
      const { held, moved } = this.applyOne(record, appliedAt);
      if (moved) this.counters.applied++;
      else this.counters.ignored++;
      return held;
    });
  }

  /** The copy of a key held here, filled from the primary when there is none. */
  async read(ref: KeyRef): Promise<ReplicaRead> {
    const id = entryId(ref.namespace, ref.key);
    const held = this.load(id);
    if (held) {
      this.counters.hits++;
      return { record: held, cache: "hit" };
    }
    this.counters.misses++;
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

  /** The counters since this object started. */
  stats(): ReplicaCounters {
    return { ...this.counters };
  }

  private async fill(id: string, ref: KeyRef): Promise<ConfirmedRecord> {
    this.counters.fills++;
    const { record } = await this.placement.primary(ref).read(ref);
    this.applyOne(record, Date.now());
    // A push may have landed while the fill was on its way: serve whatever is newest.
    return this.load(id) ?? record;
  }

  /** Applies one record if it is newer than the copy held; answers the version held afterwards. */
  private applyOne(record: ConfirmedRecord, appliedAt: number): { held: number; moved: boolean } {
    const id = entryId(record.namespace, record.key);
    const held = this.sql.exec<{ version: number }>("SELECT version FROM entries WHERE id = ?", id).toArray()[0]?.version;
    if (held !== undefined && record.version < held) return { held, moved: false };
    if (held === record.version) {
      // The same version again: the primary vouches for it as of a later time.
      this.sql.exec(
        "UPDATE entries SET confirmed_at = max(confirmed_at, ?) WHERE id = ?",
        record.confirmedAt,
        id,
      );
      return { held, moved: false };
    }
    this.sql.exec(
      `INSERT INTO entries (id, namespace, key, version, value, content_type, committed_at, confirmed_at, applied_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET
         version = excluded.version, value = excluded.value, content_type = excluded.content_type,
         committed_at = excluded.committed_at, confirmed_at = excluded.confirmed_at, applied_at = excluded.applied_at`,
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
    return { held: record.version, moved: true };
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
