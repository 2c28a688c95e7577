import { DurableObject } from "cloudflare:workers";
import { fullyReplicated, nextWorkAt, SPARSE_WRITE_GAP_MS, type ReplicationState } from "./alarm-plan";
import { networkFor, type GeoSimEnv, type SimulatedNetwork } from "./geo-sim/network";
import { IDEMPOTENCY_SCHEMA, IdempotencyLog } from "./idempotency";
import { placementFor, type Placement, type PlacementEnv } from "./placement";
import { ENTRY_SCHEMA_V1, ENTRY_SCHEMA_V2, PrimaryStore, type StoredEntry } from "./primary-store";
import { absentRecord, asSeenAt, type ConfirmedRecord, type KeyRecord, type KeyRef } from "./record";
import {
  PushesInFlight,
  REPLICATION_BACKOFF,
  REPLICATION_SCHEMA,
  ReplicationLog,
  answersWithin,
  type PushAnswer,
  type RegionProgress,
} from "./replication";
import { fullJitterDelay } from "./retry";
import { migrate, type Migration } from "./schema";
import type { Region } from "./topology";
import { decideWrite, expiryTombstone, type WriteOutcome, type WriteRequest } from "./write";

const MIGRATIONS: readonly Migration[] = [
  { version: 1, sql: `${ENTRY_SCHEMA_V1}\n${REPLICATION_SCHEMA}` },
  { version: 2, sql: `${ENTRY_SCHEMA_V2}\n${IDEMPOTENCY_SCHEMA}` },
];

export interface PrimaryEnv extends PlacementEnv, GeoSimEnv {
  /**
   * A write's pushes wait this many ms (for the alarm), so that a burst of
   * writes coalesces into one push; with 0 they start as the write commits.
   */
  REPLICATION_DELAY_MS?: string;
}

/** What the primary answers to a read: the record as of now, and the region the primary lives in (null before any write). */
export interface PrimaryRead {
  record: ConfirmedRecord;
  homeRegion: Region | null;
}

/**
 * How long an alarm pass waits for its pushes' answers; a region silent by
 * then answers in the background. While a pass runs, requests leave the
 * alarm to it, so a pass that waited on a hung push would hold back every
 * later write's pushes, to every region. Far longer than a push between
 * the farthest regions takes.
 */
const ALARM_WAITS_FOR_PUSHES_MS = 2_000;

/** The answer to a revalidation: the version a copy holds is still the latest (no bytes travel), or the newer record. */
export type Revalidation =
  | { unchanged: true; confirmedAt: number; homeRegion: Region | null }
  | { unchanged: false; read: PrimaryRead };

/**
 * The single source of truth for one key (one object per key, named by
 * `entryId`). It assigns versions, stores every write durably before it
 * answers, expires values, and replicates the latest record to every region:
 * each region on its own, as soon as a write commits (or after
 * `REPLICATION_DELAY_MS`, from the alarm), with the alarm as the durable
 * backstop for retries and for pushes lost with an evicted instance.
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
  /** Alarm handlers running now; each re-arms as it ends, so requests leave the alarm to them. */
  private alarmsRunning = 0;
  /** Alarm passes in a row that failed: the next one waits a backoff that grows with them. */
  private failedPasses = 0;
  /** The pushes on their way, one per region at most; the alarm leaves them be. */
  private readonly pushes = new PushesInFlight();
  /** What the alarm is planned from (see alarm-plan.ts). */
  private readonly replicationState: ReplicationState;
  /** Whether the latest write came {@link SPARSE_WRITE_GAP_MS} or more after the one before it (or had none before it). */
  private writtenSparsely = false;

  constructor(ctx: DurableObjectState, env: PrimaryEnv) {
    super(ctx, env);
    this.store = new PrimaryStore(ctx.storage.sql);
    this.replication = new ReplicationLog(ctx.storage.sql);
    this.idempotency = new IdempotencyLog(ctx.storage.sql);
    this.placement = placementFor(env);
    this.network = networkFor(env);
    this.replicationState = { regions: this.placement.regions, replication: this.replication, pushes: this.pushes };
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
   * see {@link settleHome} for the primary's home.
   */
  async write(request: WriteRequest, region: Region): Promise<WriteOutcome & { homeRegion: Region }> {
    await this.arriveFrom(region);
    const { outcome, homeRegion, latest } = this.apply(request, region);
    // Without a delay to coalesce a burst in, the pushes start now; those in flight take the newest record when they answer.
    if (latest && this.replicationDelay() === 0) this.pushInBackground({ ...latest, homeRegion });
    await this.keepArmed(latest);
    return { ...outcome, homeRegion };
  }

  /**
   * Decides and commits a write in one synchronous stretch, or replays the
   * answer to its idempotency key; `latest` is the key's record afterwards.
   */
  private apply(
    request: WriteRequest,
    region: Region,
  ): { outcome: WriteOutcome; homeRegion: Region; latest: KeyRecord | null } {
    const current = this.store.latest();
    const homeRegion = current?.homeRegion ?? region;
    if (request.idempotencyKey) {
      const replay = this.idempotency.replay(request.idempotencyKey, request.op);
      if (replay) return { outcome: replay, homeRegion, latest: current };
    }
    // Versions order the copies, so commit times never run backwards even if the clock does.
    const now = Math.max(Date.now(), current?.committedAt ?? 0);
    const { next, outcome } = decideWrite(current, request, now);
    // The acknowledgements since the last commit stay in memory: every region lacks the new version now, so they decide nothing a restart would need, and the alarm that backs up these pushes (or, after a sparse write, the commit that clears it) saves the newer ones.
    if (next) {
      this.store.save(next, homeRegion);
      this.writtenSparsely = now - (current?.committedAt ?? 0) >= this.sparseWriteGap();
    } else {
      this.settleHome(request.ref, region);
    }
    if (request.idempotencyKey) this.idempotency.remember(request.idempotencyKey, request.op, outcome, now);
    return { outcome, homeRegion, latest: next ?? current };
  }

  /**
   * The object lives where the first request to reach it was from: every
   * caller names its region as the `locationHint`, which places the object
   * when that call creates it, and a cache is often read before it is
   * written. That region is the key's home, kept from then on (until the
   * first write, with a version-0 tombstone, which reads as the key never
   * written), so the region a strong read names is where its primary is.
   */
  private settleHome(ref: KeyRef, from: Region | undefined): void {
    if (from === undefined || this.store.latest() !== null) return;
    this.store.save({ ...ref, version: 0, value: null, contentType: "", committedAt: 0, expiresAt: null }, from);
  }

  /** The latest record, read from storage (never from memory), vouched for as of now. */
  async read(ref: KeyRef, from?: Region): Promise<PrimaryRead> {
    await this.arriveFrom(from);
    this.settleHome(ref, from);
    return this.readNow(ref);
  }

  /** Whether a copy at `version` is still the latest; only when it is not do the bytes travel. */
  async revalidate(ref: KeyRef, version: number, from?: Region): Promise<Revalidation> {
    await this.arriveFrom(from);
    this.settleHome(ref, from);
    const latest = await this.readNow(ref);
    return latest.record.version === version
      ? { unchanged: true, confirmedAt: latest.record.confirmedAt, homeRegion: latest.homeRegion }
      : { unchanged: false, read: latest };
  }

  /**
   * Reads the record and checks its pending work has an alarm. The check's
   * awaits are storage calls, which let no other request in, so the record
   * is still the latest when it is answered.
   */
  private async readNow(ref: KeyRef): Promise<PrimaryRead> {
    const stored = this.store.load();
    await this.keepArmed(stored);
    const now = Date.now();
    if (!stored) return { record: absentRecord(ref, now), homeRegion: null };
    const { homeRegion, ...record } = stored;
    return { record: asSeenAt({ ...record, confirmedAt: now }, now), homeRegion };
  }

  /** The newest version every configured region has acknowledged, per region. */
  replicationStatus(): { version: number; regions: { region: string; ackedVersion: number; failures: number }[] } {
    const version = this.store.version();
    const regions = this.replication.progress(this.placement.regions).map(({ region, ackedVersion, failures }) => ({
      region,
      ackedVersion,
      failures,
    }));
    return { version, regions };
  }

  /**
   * The durable backstop of replication: expires the value if its time has
   * come, then pushes the latest record to every region that has not
   * acknowledged it and has no push in flight (pushes lost with an evicted
   * instance, retries whose backoff is over, writes held back by
   * `REPLICATION_DELAY_MS`), and waits for those pushes' answers, for
   * {@link ALARM_WAITS_FOR_PUSHES_MS} at most.
   *
   * A pass that throws (storage failing, a bug) still re-arms, after a
   * backoff that grows with the passes failed in a row: replication never
   * waits on Cloudflare's own retries of a throwing alarm, which give up
   * after six. Only when re-arming fails too does the handler throw; then
   * Cloudflare retries it, and failing that, the next request re-arms.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    this.alarmsRunning++;
    let retryAt: number | undefined;
    try {
      // Before any await, so the acknowledgements since the last write share the commit that clears the alarm.
      this.replication.saveAcknowledged();
      await this.replicatePending();
      this.failedPasses = 0;
    } catch (error) {
      retryAt = this.backoffAfter(error);
    } finally {
      this.alarmsRunning--;
    }
    // Read again: a write may have committed while the pushes were on their way.
    await this.schedule(this.store.latest(), retryAt);
  }

  /**
   * Pushes what is due and records the answers that come within
   * {@link ALARM_WAITS_FOR_PUSHES_MS}; the regions still silent then answer
   * in the background, as a write's pushes do.
   */
  private async replicatePending(): Promise<void> {
    const stored = this.expireIfDue(this.store.latest());
    const pushes = stored ? this.pushDue(stored) : [];
    if (pushes.length === 0) return;
    const { answers, silent } = await answersWithin(pushes, ALARM_WAITS_FOR_PUSHES_MS);
    if (silent.length > 0) this.recordInBackground(silent);
    await this.record(answers);
    // A pass that pushed (after the instance was lost, or a retry) keeps its answers at once: it is the rare case.
    this.replication.saveAcknowledged();
  }

  /**
   * Starts a push of `stored` to each of `regions` that has not acknowledged
   * it, is not backing off and has no push in flight, and answers those
   * pushes. Every region is pushed to on its own: a slow or failing region
   * never holds up the others, and each region has at most one push in
   * flight, so the writes that land meanwhile coalesce into its next push.
   */
  private pushDue(stored: StoredEntry, regions: readonly Region[] = this.placement.regions): Promise<PushAnswer>[] {
    const now = Date.now();
    return this.replication
      .pending(regions, stored.version)
      .filter(({ region, nextAttemptAt }) => nextAttemptAt <= now && !this.pushes.inFlight(region))
      .map((progress) => this.pushTo(progress, stored));
  }

  /**
   * Pushes `stored` to one region and answers what the region said. A
   * region that answered is free for its next push at once: when a newer
   * record committed while this push was in flight, that push follows now,
   * before this answer is recorded. A region that failed waits until its
   * failure is recorded, and then for its backoff.
   */
  private async pushTo(progress: RegionProgress, stored: StoredEntry): Promise<PushAnswer> {
    const { region } = progress;
    const push = this.pushes.start(region);
    const { homeRegion, ...record } = stored;
    const held = await this.push(region, homeRegion, { ...record, confirmedAt: Date.now() }).then(
      (versions) => versions[0] ?? 0,
      () => null,
    );
    const answer: PushAnswer = { progress, held, push };
    if (held !== null) this.pushes.answered(region, push);
    if (held !== null && this.store.version() > held) this.pushInBackground(this.store.latest()!, [region]);
    return answer;
  }

  /**
   * Records the answers to pushes started together, once all are in, in one
   * synchronous stretch (a round whose recording fails is retried as a
   * whole): the version each region holds, in memory until the next write or
   * alarm pass commits it, or a failure it backs off from with full jitter,
   * written at once. An answer to a region pushed to again since is left to
   * that later push. Answers the reports to the regions' figures: they are
   * for people watching, so one that fails must not hold up replication.
   */
  private record(answers: readonly PushAnswer[]): Promise<void> {
    const reports: Promise<void>[] = [];
    const acks: { region: Region; version: number }[] = [];
    try {
      for (const { progress, held, push } of answers) {
        const { region, failures } = progress;
        if (!this.pushes.isLatest(region, push)) continue;
        if (held === null) {
          this.replication.fail(region, Date.now());
          reports.push(this.placement.stats(region).pushFailed(failures === 0));
        } else {
          acks.push({ region, version: held });
          if (failures > 0) reports.push(this.placement.stats(region).pushRecovered());
        }
      }
      this.replication.acknowledge(acks);
    } finally {
      for (const { progress, push } of answers) this.pushes.answered(progress.region, push);
    }
    return Promise.allSettled(reports).then(() => undefined);
  }

  /**
   * Starts the due pushes of `stored` without waiting for them (the write
   * that started them has answered, or another region's push is in flight);
   * when they end, the alarm is kept at the earliest work left, such as a
   * failed region's retry.
   */
  private pushInBackground(stored: StoredEntry, regions?: readonly Region[]): void {
    const pushes = this.pushDue(stored, regions);
    if (pushes.length > 0) this.recordInBackground(pushes);
  }

  /** Records the answers to `pushes` once all are in, then keeps the alarm at the earliest work left, without anyone waiting. */
  private recordInBackground(pushes: readonly Promise<PushAnswer>[]): void {
    const ended = Promise.all(pushes).then(async (answers) => {
      let retryAt: number | undefined;
      try {
        await this.record(answers);
        this.failedPasses = 0;
      } catch (error) {
        retryAt = this.backoffAfter(error);
      }
      // A running alarm re-arms as it ends, from what these pushes recorded.
      if (this.alarmsRunning === 0) await this.settleAfterPushes(retryAt);
    });
    this.ctx.waitUntil(ended.catch((error: unknown) => console.error(`re-arming after pushes failed: ${String(error)}`)));
  }

  /** When to try again after a failed round of pushes: a backoff that grows with the failures in a row. */
  private backoffAfter(error: unknown): number {
    const retryAt = Date.now() + fullJitterDelay(this.failedPasses++, REPLICATION_BACKOFF);
    console.error(`replication pass failed; retrying in ${retryAt - Date.now()} ms: ${String(error)}`);
    return retryAt;
  }

  /**
   * Sends one record to a region's replica; in the simulation, across the
   * distance between the regions, where the message may also arrive twice or
   * again later, out of order.
   */
  private async push(region: Region, home: Region, update: ConfirmedRecord): Promise<number[]> {
    const copies = (await this.network?.deliver(home, region)) ?? [];
    // A stub of its own per push: one kept across requests made concurrent pushes slower, and one that saw its object reset stays broken.
    const replica = this.placement.replica(region, update);
    const acknowledged = await replica.apply([update]);
    for (const afterMs of copies) {
      // Nobody waits for a copy's answer, as nobody would for a message the network repeated.
      void new Promise((resolve) => setTimeout(resolve, afterMs)).then(() => replica.apply([update])).catch(() => {});
    }
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
    const home = this.store.latest()?.homeRegion ?? from;
    await this.network.connect(from, home);
    await this.network.travel(from, home);
  }

  /** Replaces an expired value with its tombstone, so the expiry replicates like a delete. */
  private expireIfDue(stored: StoredEntry | null): StoredEntry | null {
    const tombstone = stored && expiryTombstone(stored, Date.now());
    if (!tombstone) return stored;
    this.store.save(tombstone, stored.homeRegion);
    return { ...tombstone, homeRegion: stored.homeRegion };
  }

  /**
   * Makes sure pending work for the latest record `stored` has an alarm, on
   * every request: an alarm that went missing (a handler that failed past
   * its retries, an alarm deleted) is re-armed here, so pending
   * replication never waits for a later write.
   * Costs one SQL read of the per-region table when nothing is pending, and
   * only then asks storage for the alarm — which the runtime answers without
   * I/O — since memory cannot know of an alarm lost outside this instance.
   */
  private async keepArmed(stored: KeyRecord | null): Promise<void> {
    if (this.alarmsRunning > 0) return;
    const target = nextWorkAt(this.replicationState, stored, stored ? stored.committedAt + this.replicationDelay() : undefined);
    if (target === null) return;
    this.alarmAt = await this.ctx.storage.getAlarm();
    await this.armBy(target);
  }

  /**
   * Keeps the alarm at the earliest work left once pushes have answered.
   * After a sparse write ({@link SPARSE_WRITE_GAP_MS}) that every region
   * now holds, the backstop it armed would fire only to save the
   * acknowledgements, often on an instance evicted by then: it is cleared
   * (or moved to the value's expiry) now, with them saved in that commit.
   */
  private async settleAfterPushes(retryAt?: number): Promise<void> {
    const stored = this.store.latest();
    if (!this.writtenSparsely || retryAt !== undefined || this.alarmAt === null || !fullyReplicated(this.replicationState, stored)) {
      return this.schedule(stored, retryAt);
    }
    const target = nextWorkAt(this.replicationState, stored);
    if (target !== null && target <= this.alarmAt) return this.armBy(target);
    this.writtenSparsely = false;
    this.replication.saveAcknowledged();
    this.alarmAt = target;
    await (target === null ? this.ctx.storage.deleteAlarm() : this.ctx.storage.setAlarm(target));
  }

  /**
   * Keeps the one alarm at the earliest pending work for the latest record
   * `stored`. The alarm only ever moves earlier here; the handler clears it
   * before it runs.
   */
  private async schedule(stored: KeyRecord | null, pushAt?: number): Promise<void> {
    const target = nextWorkAt(this.replicationState, stored, pushAt);
    if (target !== null) await this.armBy(target);
  }

  /** Sets the alarm to `target` unless one is already set no later. */
  private async armBy(target: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= target) return;
    await this.ctx.storage.setAlarm(target);
    this.alarmAt = target;
  }

  /** {@link SPARSE_WRITE_GAP_MS}, asked of the instance so that a test can hold a key to either side of it whatever its pace. */
  private sparseWriteGap(): number {
    return SPARSE_WRITE_GAP_MS;
  }

  private replicationDelay(): number {
    const delay = Number(this.env.REPLICATION_DELAY_MS ?? 0);
    return Number.isFinite(delay) && delay > 0 ? delay : 0;
  }
}
