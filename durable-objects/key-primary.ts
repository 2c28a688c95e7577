import { DurableObject } from "cloudflare:workers";
import { placementFor, type Placement, type PlacementEnv } from "./placement";
import { absentRecord, type ConfirmedRecord, type KeyRecord, type KeyRef } from "./record";
import { REPLICATION_SCHEMA, ReplicationLog } from "./replication";
import { migrate, type Migration } from "./schema";
import type { Region } from "./topology";

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE entry (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  namespace TEXT NOT NULL,
  key TEXT NOT NULL,
  version INTEGER NOT NULL,
  value BLOB,
  content_type TEXT NOT NULL,
  committed_at INTEGER NOT NULL,
  home_region TEXT NOT NULL
);
${REPLICATION_SCHEMA}`,
  },
];

type EntryRow = {
  namespace: string;
  key: string;
  version: number;
  value: ArrayBuffer | null;
  content_type: string;
  committed_at: number;
  home_region: string;
};

export interface PrimaryEnv extends PlacementEnv {
  /** A write arms replication this many ms later, so that a burst of writes coalesces into one push. */
  REPLICATION_DELAY_MS?: string;
};

/** What the primary answers to a write. */
export interface WriteResult {
  version: number;
  committedAt: number;
}

/** What the primary answers to a read: the record, and the region the primary lives in (null before any write). */
export interface PrimaryRead {
  record: ConfirmedRecord;
  homeRegion: Region | null;
}

/**
 * The single source of truth for one key (one object per key, named by
 * `entryId`). It assigns versions, stores every write durably before it
 * answers, and replicates the latest record to every region from its alarm.
 *
 * Each method reads and writes storage in one synchronous stretch, with no
 * other await in between, so concurrent requests to the key are serialized.
 */
export class KeyPrimary extends DurableObject<PrimaryEnv> {
  private readonly sql: SqlStorage;
  private readonly replication: ReplicationLog;
  private readonly placement: Placement;
  /** The alarm as last set or read; the alarm handler clears it. */
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: PrimaryEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.replication = new ReplicationLog(this.sql);
    this.placement = placementFor(env);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(this.sql, MIGRATIONS);
      this.alarmAt = await ctx.storage.getAlarm();
      // An alarm that went missing (deleted, or lost with a crash) is re-armed
      // here, so pending replication never waits for a later write.
      if (this.alarmAt === null) await this.scheduleReplication();
    });
  }

  /**
   * Stores a new version of the key's value and answers once it is durable.
   * `region` is where the write came from; the first write's region is the
   * primary's home, where `locationHint` placed it.
   */
  async put(ref: KeyRef, value: ArrayBuffer, contentType: string, region: Region): Promise<WriteResult> {
    const result = this.commit(ref, value, contentType, region);
    await this.scheduleReplication(result.committedAt + this.replicationDelay());
    return result;
  }

  /** Replaces the value with a tombstone; null when there is no live value to delete. */
  async delete(ref: KeyRef): Promise<WriteResult | null> {
    const current = this.load();
    if (!current || current.value === null) return null;
    const result = this.commit(ref, null, current.contentType, current.homeRegion);
    await this.scheduleReplication(result.committedAt + this.replicationDelay());
    return result;
  }

  /** The latest record, read from storage (never from memory), vouched for as of now. */
  read(ref: KeyRef): PrimaryRead {
    const stored = this.load();
    const now = Date.now();
    if (!stored) return { record: absentRecord(ref, now), homeRegion: null };
    const { homeRegion, ...record } = stored;
    return { record: { ...record, confirmedAt: now }, homeRegion };
  }

  /** The newest version every configured region has acknowledged, per region. */
  replicationStatus(): { version: number; regions: { region: string; ackedVersion: number; failures: number }[] } {
    const version = this.load()?.version ?? 0;
    const regions = this.replication.progress(this.placement.regions).map(({ region, ackedVersion, failures }) => ({
      region,
      ackedVersion,
      failures,
    }));
    return { version, regions };
  }

  /**
   * Pushes the latest record to every region that has not acknowledged it.
   * Only the latest record travels, so a burst of writes coalesces into one
   * push; a region that fails is retried with full-jitter backoff.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const record = this.load();
    if (record) {
      const now = Date.now();
      const due = this.replication.pending(this.placement.regions, record.version).filter((r) => r.nextAttemptAt <= now);
      const { homeRegion: _home, ...latest } = record;
      const update: ConfirmedRecord = { ...latest, confirmedAt: now };
      const outcomes = await Promise.allSettled(
        due.map(({ region }) => this.placement.replica(region, record).apply([update])),
      );
      outcomes.forEach((outcome, i) => {
        const region = due[i]!.region;
        if (outcome.status === "fulfilled") this.replication.acknowledge(region, outcome.value[0] ?? 0);
        else this.replication.fail(region, Date.now());
      });
    }
    await this.scheduleReplication();
  }

  private commit(ref: KeyRef, value: ArrayBuffer | null, contentType: string, region: Region): WriteResult {
    const stored = this.load();
    if (stored && (stored.namespace !== ref.namespace || stored.key !== ref.key)) {
      throw new Error("this primary holds a different key");
    }
    const version = (stored?.version ?? 0) + 1;
    // Versions order the copies, so commit times must not run backwards even if the clock does.
    const committedAt = Math.max(Date.now(), stored?.committedAt ?? 0);
    this.sql.exec(
      `INSERT INTO entry (id, namespace, key, version, value, content_type, committed_at, home_region)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, value = excluded.value,
         content_type = excluded.content_type, committed_at = excluded.committed_at`,
      ref.namespace,
      ref.key,
      version,
      value,
      contentType,
      committedAt,
      region,
    );
    return { version, committedAt };
  }

  private load(): (KeyRecord & { homeRegion: Region }) | null {
    const row = this.sql.exec<EntryRow>("SELECT * FROM entry WHERE id = 1").toArray()[0];
    if (!row) return null;
    return {
      namespace: row.namespace,
      key: row.key,
      version: row.version,
      value: row.value,
      contentType: row.content_type,
      committedAt: row.committed_at,
      homeRegion: row.home_region as Region,
    };
  }

  /**
   * Keeps the one alarm at the earliest pending push: `at` when a write asks
   * for one, otherwise the earliest time any region is due.
   */
  private async scheduleReplication(at?: number): Promise<void> {
    const version = this.load()?.version ?? 0;
    const due = this.replication.nextDue(this.placement.regions, version);
    if (due === null) return;
    const target = Math.max(at ?? 0, due, Date.now());
    if (this.alarmAt !== null && this.alarmAt <= target) return;
    await this.ctx.storage.setAlarm(target);
    this.alarmAt = target;
  }

  private replicationDelay(): number {
    const delay = Number(this.env.REPLICATION_DELAY_MS ?? 0);
    return Number.isFinite(delay) && delay > 0 ? delay : 0;
  }
}
