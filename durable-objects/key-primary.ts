import { DurableObject } from "cloudflare:workers";
import { networkFor, type GeoSimEnv, type SimulatedNetwork } from "./geo-sim/network";
import { IDEMPOTENCY_SCHEMA, IdempotencyLog } from "./idempotency";
import { placementFor, type Placement, type PlacementEnv } from "./placement";
import { ENTRY_SCHEMA_V1, ENTRY_SCHEMA_V2, PrimaryStore, type StoredEntry } from "./primary-store";
import { absentRecord, asSeenAt, type ConfirmedRecord, type KeyRecord, type KeyRef } from "./record";
import { REPLICATION_SCHEMA, ReplicationLog } from "./replication";
import { migrate, type Migration } from "./schema";
import type { Region } from "./topology";
import { decideWrite, type WriteOutcome, type WriteRequest } from "./write";

const MIGRATIONS: readonly Migration[] = [
  { version: 1, sql: `${ENTRY_SCHEMA_V1}\n${REPLICATION_SCHEMA}` },
  { version: 2, sql: `${ENTRY_SCHEMA_V2}\n${IDEMPOTENCY_SCHEMA}` },
];

export interface PrimaryEnv extends PlacementEnv, GeoSimEnv {
  /** A write arms replication this many ms later, so that a burst of writes coalesces into one push. */
  REPLICATION_DELAY_MS?: string;
}

/** What the primary answers to a read: the record as of now, and the region the primary lives in (null before any write). */
export interface PrimaryRead {
  record: ConfirmedRecord;
  homeRegion: Region | null;
}

/** The answer to a revalidation: the version a copy holds is still the latest (no bytes travel), or the newer record. */
export type Revalidation =
  | { unchanged: true; confirmedAt: number; homeRegion: Region | null }
  | { unchanged: false; read: PrimaryRead };

/**
 * The single source of truth for one key (one object per key, named by
 * `entryId`). It assigns versions, stores every write durably before it
 * answers, expires values, and replicates the latest record to every region
 * from its alarm.
 *
 * Each method reads and writes storage in one synchronous stretch, with no
 * other await in between, so concurrent requests to the key are serialized.
 */
export class KeyPrimary extends DurableObject<PrimaryEnv> {
  private readonly store: PrimaryStore;
  private readonly replication: ReplicationLog;
  private readonly idempotency: IdempotencyLog;
  private readonly placement: Placement;
  private readonly network: SimulatedNetwork | null;
  /** The alarm as last set or read; the alarm handler clears it. */
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: PrimaryEnv) {
    super(ctx, env);
    this.store = new PrimaryStore(ctx.storage.sql);
    this.replication = new ReplicationLog(ctx.storage.sql);
    this.idempotency = new IdempotencyLog(ctx.storage.sql);
    this.placement = placementFor(env);
    this.network = networkFor(env);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage.sql, MIGRATIONS);
      this.alarmAt = await ctx.storage.getAlarm();
      // An alarm that went missing (deleted, or lost with a crash) is re-armed
      // here, so pending replication never waits for a later write.
      if (this.alarmAt === null) await this.schedule(this.store.load());
    });
  }

  /**
   * Applies a put, delete or increment if its preconditions hold, and answers
   * once the new version is durable. `region` is where the write came from;
   * the first write's region is the primary's home, where `locationHint`
   * placed it.
   */
  async write(request: WriteRequest, region: Region): Promise<WriteOutcome & { homeRegion: Region }> {
    await this.arriveFrom(region);
    const { outcome, homeRegion, committed } = this.apply(request, region);
    if (committed) await this.schedule(committed, committed.committedAt + this.replicationDelay());
    return { ...outcome, homeRegion };
  }

  /**
   * Decides and commits a write in one synchronous stretch, or replays the
   * answer to its idempotency key; `committed` is the record stored, if any.
   */
  private apply(
    request: WriteRequest,
    region: Region,
  ): { outcome: WriteOutcome; homeRegion: Region; committed: KeyRecord | null } {
    const current = this.store.load();
    const homeRegion = current?.homeRegion ?? region;
    if (request.idempotencyKey) {
      const replay = this.idempotency.replay(request.idempotencyKey, request.op);
      if (replay) return { outcome: replay, homeRegion, committed: null };
    }
    // Versions order the copies, so commit times never run backwards even if the clock does.
    const now = Math.max(Date.now(), current?.committedAt ?? 0);
    const { next, outcome } = decideWrite(current, request, now);
    if (next) this.store.save(next, homeRegion);
    if (request.idempotencyKey) this.idempotency.remember(request.idempotencyKey, request.op, outcome, now);
    return { outcome, homeRegion, committed: next };
  }

  /** The latest record, read from storage (never from memory), vouched for as of now. */
  async read(ref: KeyRef, from?: Region): Promise<PrimaryRead> {
    await this.arriveFrom(from);
    return this.readNow(ref);
  }

  /** Whether a copy at `version` is still the latest; only when it is not do the bytes travel. */
  async revalidate(ref: KeyRef, version: number, from?: Region): Promise<Revalidation> {
    await this.arriveFrom(from);
    const latest = this.readNow(ref);
    return latest.record.version === version
      ? { unchanged: true, confirmedAt: latest.record.confirmedAt, homeRegion: latest.homeRegion }
      : { unchanged: false, read: latest };
  }

  private readNow(ref: KeyRef): PrimaryRead {
    const stored = this.store.load();
    const now = Date.now();
    if (!stored) return { record: absentRecord(ref, now), homeRegion: null };
    const { homeRegion, ...record } = stored;
    return { record: asSeenAt({ ...record, confirmedAt: now }, now), homeRegion };
  }

  /** The newest version every configured region has acknowledged, per region. */
  replicationStatus(): { version: number; regions: { region: string; ackedVersion: number; failures: number }[] } {
    const version = this.store.load()?.version ?? 0;
    const regions = this.replication.progress(this.placement.regions).map(({ region, ackedVersion, failures }) => ({
      region,
      ackedVersion,
      failures,
    }));
    return { version, regions };
  }

  /**
   * Expires the value if its time has come, then pushes the latest record to
   * every region that has not acknowledged it. Only the latest record
   * travels, so a burst of writes coalesces into one push; a region that
   * fails is retried with full-jitter backoff.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const stored = this.expireIfDue(this.store.load());
    if (stored) {
      const now = Date.now();
      const due = this.replication.pending(this.placement.regions, stored.version).filter((r) => r.nextAttemptAt <= now);
      const { homeRegion: _home, ...latest } = stored;
      const update: ConfirmedRecord = { ...latest, confirmedAt: now };
      const outcomes = await Promise.allSettled(due.map(({ region }) => this.push(region, stored.homeRegion, update)));
      const reports: Promise<void>[] = [];
      outcomes.forEach((outcome, i) => {
        const { region, failures } = due[i]!;
        if (outcome.status === "fulfilled") {
          this.replication.acknowledge(region, outcome.value[0] ?? 0);
          if (failures > 0) reports.push(this.placement.stats(region).pushRecovered());
        } else {
          this.replication.fail(region, Date.now());
          reports.push(this.placement.stats(region).pushFailed(failures === 0));
        }
      });
      // The figures are for people watching; a report that fails must not hold up replication.
      await Promise.allSettled(reports);
    }
    // Read again: a write may have committed while the pushes were on their way.
    await this.schedule(this.store.load());
  }

  /** Sends one record to a region's replica; in the simulation, across the distance between the regions. */
  private async push(region: Region, home: Region, update: ConfirmedRecord): Promise<number[]> {
    await this.network?.deliver(home, region);
    const acknowledged = await this.placement.replica(region, update).apply([update]);
    await this.network?.travel(region, home);
    return acknowledged;
  }

  /**
   * In the simulation, a request from another region reaches the primary
   * only after its one-way delay, before the primary reads or writes
   * anything, so its effect happens where it would in a deployment; across
   * a cut it fails at once.
   */
  private async arriveFrom(from: Region | undefined): Promise<void> {
    if (!this.network || !from) return;
    const home = this.store.load()?.homeRegion ?? from;
    await this.network.connect(from, home);
    await this.network.travel(from, home);
  }

  /** Replaces an expired value with a tombstone at the next version, so the expiry replicates like a delete. */
  private expireIfDue(stored: StoredEntry | null): StoredEntry | null {
    if (!stored || stored.value === null || stored.expiresAt === null || stored.expiresAt > Date.now()) return stored;
    const now = Math.max(Date.now(), stored.committedAt);
    const tombstone: KeyRecord = { ...stored, version: stored.version + 1, value: null, committedAt: now, expiresAt: null };
    this.store.save(tombstone, stored.homeRegion);
    return { ...tombstone, homeRegion: stored.homeRegion };
  }

  /**
   * Keeps the one alarm at the earliest pending work for the latest record
   * `stored`: a push (`pushAt` when a write asks for one, else the earliest
   * time a region is due) or the value's expiry. The alarm only ever moves
   * earlier here; the handler clears it before it runs.
   */
  private async schedule(stored: KeyRecord | null, pushAt?: number): Promise<void> {
    const due = this.replication.nextDue(this.placement.regions, stored?.version ?? 0);
    const candidates: number[] = [];
    if (due !== null) candidates.push(Math.max(pushAt ?? 0, due));
    if (stored?.value != null && stored.expiresAt !== null) candidates.push(stored.expiresAt);
    if (candidates.length === 0) return;
    const target = Math.max(Math.min(...candidates), Date.now());
    if (this.alarmAt !== null && this.alarmAt <= target) return;
    await this.ctx.storage.setAlarm(target);
    this.alarmAt = target;
  }

  private replicationDelay(): number {
    const delay = Number(this.env.REPLICATION_DELAY_MS ?? 0);
    return Number.isFinite(delay) && delay > 0 ? delay : 0;
  }
}
