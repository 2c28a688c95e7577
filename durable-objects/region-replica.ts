import { DurableObject } from "cloudflare:workers";
import { networkFor, type GeoSimEnv, type SimulatedNetwork } from "./geo-sim/network";
import { shortfall, type ReadConstraints, type ShortfallReason } from "./freshness";
import { placementFor, type Placement, type PlacementEnv } from "./placement";
import { asSeenAt, type CacheOutcome, type ConfirmedRecord, type KeyRef } from "./record";
import { ReplicaStore, REPLICA_MIGRATIONS } from "./replica-store";
import { migrate } from "./schema";
import { entryId, type Region } from "./topology";
import { WindowedHistogram, type HistogramData } from "./stats/histogram";
import { GroupCommit } from "./group-commit";
import { VersionWaiters } from "./version-waiters";

/** What a replica has done since it started (in memory; reset when the object is). */
export interface ReplicaCounters {
  /** Reads answered from a copy held here. */
  hits: number;
  /** Reads answered after waiting for replication to bring a new enough version. */
  waits: number;
  /** Reads that had to ask the primary, by why the copy held could not serve them. */
  forwarded: Record<ShortfallReason, number>;
  /** Calls to primaries (concurrent reads of one key share one). */
  primaryCalls: number;
  /** Of those, revalidations answered "unchanged" (no value bytes travelled). */
  unchanged: number;
  /** Records that moved a copy forward, pushed or asked of the primary for a read (a key's first copy is in `primaryCalls` only). */
  applied: number;
  /** Pushed records that were not newer than the copy held. */
  ignored: number;
}

/** The counters, and the replication lag (commit at the primary to apply here) of updates applied. */
export interface ReplicaStats extends ReplicaCounters {
  lag: { window: HistogramData; total: HistogramData };
}

/** A replica's answer to a read: the copy it serves, and how it came by it. */
export interface ReplicaRead {
  record: ConfirmedRecord;
  cache: CacheOutcome;
}

/**
 * The copies of one shard of keys in one region (named `region/shard`,
 * placed in that region). A copy only ever moves forward: an update is
 * applied only when its version is newer than the one held, so duplicated,
 * delayed or reordered pushes are harmless.
 *
 * A read names its constraints; a copy that meets them is served at once. A
 * copy behind a minimum version may wait for replication; otherwise the
 * replica asks the primary — a revalidation when it holds a copy, so that an
 * unchanged version costs no value bytes — and concurrent reads of one key
 * share that call.
 */
export class RegionReplica extends DurableObject<PlacementEnv & GeoSimEnv> {
  private readonly store: ReplicaStore;
  private readonly placement: Placement;
  private readonly network: SimulatedNetwork | null;
  private readonly waiters = new VersionWaiters();
  private readonly lag = new WindowedHistogram();
  private readonly inflight = new Map<string, Promise<ConfirmedRecord>>();
  private readonly pushes = new GroupCommit((records: ConfirmedRecord[]) => this.applyNow(records));
  private readonly counters: ReplicaCounters = {
    hits: 0,
    waits: 0,
    forwarded: { miss: 0, min_version: 0, bound: 0 },
    primaryCalls: 0,
    unchanged: 0,
    applied: 0,
    ignored: 0,
  };

  constructor(ctx: DurableObjectState, env: PlacementEnv & GeoSimEnv) {
    super(ctx, env);
    this.store = new ReplicaStore(ctx.storage.sql);
    this.placement = placementFor(env);
    this.network = networkFor(env);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage.sql, REPLICA_MIGRATIONS);
    });
  }

  /**
   * Applies pushed records, each only if newer than the copy held (an equal
   * version only refreshes `confirmedAt`). Answers the version held for each
   * record afterwards, which the primary records as acknowledged. Pushes
   * from many primaries that arrive together are applied together, in one
   * commit: a replica shard takes every key's pushes in its region, and a
   * commit costs far more than applying a record.
   */
  apply(records: ConfirmedRecord[]): Promise<number[]> {
    return this.pushes.add(records);
  }

  /**
   * Applies records now, in the caller's synchronous stretch. A record that
   * moves a copy forward is an update applied, and a sample of replication
   * lag, whether a push brought it or the primary answered a read the copy
   * was too old for (the region caught up then, and the push that follows
   * finds it held); a first copy, filled for a read of a key the replica
   * held nothing of, is neither: it may be of a write made days ago.
   */
  private applyNow(records: ConfirmedRecord[], source: "update" | "first-copy" = "update"): number[] {
    const appliedAt = Date.now();
    return records.map((record) => {
      const { held, moved } = this.store.apply(record, appliedAt);
      if (moved) this.waiters.reached(entryId(record.namespace, record.key), held);
      if (source === "first-copy") return held;
      if (moved) {
        this.counters.applied++;
        if (record.committedAt > 0) this.lag.record(appliedAt - record.committedAt, appliedAt);
      } else {
        this.counters.ignored++;
      }
      return held;
    });
  }

  /**
   * The copy of a key that meets `want`, from here if it can be, else by way
   * of the primary. `region` is this replica's region, which calls to the
   * primary travel from.
   */
  async read(ref: KeyRef, want: ReadConstraints = {}, region?: Region): Promise<ReplicaRead> {
    const id = entryId(ref.namespace, ref.key);
    const startedAt = Date.now();
    let held = this.store.load(id);
    let reason = shortfall(held, want, startedAt);
    if (reason === null) {
      this.counters.hits++;
      return { record: asSeenAt(held!, Date.now()), cache: "hit" };
    }
    if (reason === "min_version" && (want.maxWaitMs ?? 0) > 0 && (await this.waiters.wait(id, want.minVersion!, want.maxWaitMs!))) {
      held = this.store.load(id);
      reason = shortfall(held, want, Date.now());
      if (reason === null) {
        this.counters.waits++;
        return { record: asSeenAt(held!, Date.now()), cache: "waited" };
      }
    }
    this.counters.forwarded[reason]++;
    const record = await this.fromPrimary(id, ref, want, startedAt, region);
    const cache: CacheOutcome = reason === "miss" ? "miss" : reason === "bound" ? "revalidated" : "forwarded";
    return { record: asSeenAt(record, Date.now()), cache };
  }

  /** The version held for a key, or null when there is no copy. */
  heldVersion(ref: KeyRef): number | null {
    return this.store.load(entryId(ref.namespace, ref.key))?.version ?? null;
  }

  /** The counters and lag since this object started. */
  stats(): ReplicaStats {
    return { ...structuredClone(this.counters), lag: this.lag.toJSON() };
  }

  /**
   * Asks the primary for the key, sharing a call already on its way. A shared
   * call that began before this read may answer an older state than the read
   * needs, so its answer is checked and, if short, one call of its own
   * follows. The check is as of when the read began, as a call of its own
   * would be: a copy the primary vouched for at most the bound before then
   * serves (with `maxStalenessMs: 0`, one vouched for since), so concurrent
   * reads of a hot key share one call however tight their bound.
   */
  private async fromPrimary(id: string, ref: KeyRef, want: ReadConstraints, startedAt: number, region?: Region): Promise<ConfirmedRecord> {
    const pending = this.inflight.get(id);
    if (pending) {
      const shared = await pending;
      if (shortfall(shared, want, startedAt) === null) return shared;
    }
    const call = this.callPrimary(id, ref, region).finally(() => {
      if (this.inflight.get(id) === call) this.inflight.delete(id);
    });
    this.inflight.set(id, call);
    return call;
  }

  private async callPrimary(id: string, ref: KeyRef, region?: Region): Promise<ConfirmedRecord> {
    this.counters.primaryCalls++;
    // The reader's region places the primary if this call is the first to reach it.
    const primary = this.placement.primary(ref, region);
    const held = this.store.load(id);
    if (held) {
      const answer = await primary.revalidate(ref, held.version, region);
      await this.returnFrom(answer.unchanged ? answer.homeRegion : answer.read.homeRegion, region);
      if (answer.unchanged) {
        this.counters.unchanged++;
        this.store.confirm(id, held.version, answer.confirmedAt);
      } else {
        this.applyNow([answer.read.record]);
      }
    } else {
      const answer = await primary.read(ref, region);
      await this.returnFrom(answer.homeRegion, region);
      this.applyNow([answer.record], "first-copy");
    }
    // A push may have landed while the call was on its way: serve whatever is newest.
    return this.store.load(id)!;
  }

  /** In the simulation, an answer from the primary's region takes its one-way delay to arrive. */
  private async returnFrom(home: Region | null, region: Region | undefined): Promise<void> {
    if (this.network && region) await this.network.travel(home ?? region, region);
  }
}
