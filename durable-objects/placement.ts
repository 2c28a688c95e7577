import type { KeyRef } from "./record";
import { entryId, parseRegions, parseShardCount, replicaName, shardOf, type Region } from "./topology";

/** The bindings and settings placement needs; the worker's `Env` satisfies it. */
export interface PlacementEnv {
  KEY_PRIMARY: DurableObjectNamespace<import("./key-primary").KeyPrimary>;
  REGION_REPLICA: DurableObjectNamespace<import("./region-replica").RegionReplica>;
  REGION_STATS: DurableObjectNamespace<import("./stats/region-stats").RegionStats>;
  REGIONS?: string;
  REPLICA_SHARDS?: string;
}

/**
 * The configured regions and shards, and stubs for the objects that hold a
 * key. Built once per `env` object and shared by the worker, the primaries
 * and the replicas, so all of them agree on where a key lives.
 */
export class Placement {
  readonly regions: readonly Region[];
  readonly shardCount: number;
  /**
   * Object ids by name: deriving one hashes the name, and a hot key's
   * primary or a region's replica shard is named on every request. An id is
   * a value, not an I/O object, so unlike a stub it may serve every request
   * of the isolate. Bounded; the oldest name is dropped first.
   */
  private readonly ids = new Map<string, DurableObjectId>();

  constructor(private readonly env: PlacementEnv) {
    this.regions = parseRegions(env.REGIONS);
    this.shardCount = parseShardCount(env.REPLICA_SHARDS);
  }

  /** The primary of a key; `locationHint` places it when this call creates it. */
  primary(ref: KeyRef, locationHint?: Region): DurableObjectStub<import("./key-primary").KeyPrimary> {
    const name = entryId(ref.namespace, ref.key);
    const id = this.idOf(this.env.KEY_PRIMARY, `primary:${name}`, name);
    return locationHint ? this.env.KEY_PRIMARY.get(id, { locationHint }) : this.env.KEY_PRIMARY.get(id);
  }

  /** The replica that holds a key's copy in `region`. */
  replica(region: Region, ref: KeyRef): DurableObjectStub<import("./region-replica").RegionReplica> {
    return this.replicaShard(region, shardOf(entryId(ref.namespace, ref.key), this.shardCount));
  }

  /** One shard of a region's replicas. */
  replicaShard(region: Region, shard: number): DurableObjectStub<import("./region-replica").RegionReplica> {
    const name = replicaName(region, shard);
    return this.env.REGION_REPLICA.get(this.idOf(this.env.REGION_REPLICA, `replica:${name}`, name), { locationHint: region });
  }

  /** The object that keeps a region's live figures. */
  stats(region: Region): DurableObjectStub<import("./stats/region-stats").RegionStats> {
    return this.env.REGION_STATS.get(this.idOf(this.env.REGION_STATS, `stats:${region}`, region), { locationHint: region });
  }

  private idOf(namespace: { idFromName(name: string): DurableObjectId }, cacheKey: string, name: string): DurableObjectId {
    let id = this.ids.get(cacheKey);
    if (id === undefined) {
      id = namespace.idFromName(name);
      if (this.ids.size >= MAX_CACHED_IDS) this.ids.delete(this.ids.keys().next().value!);
      this.ids.set(cacheKey, id);
    }
    return id;
  }
}

/** Object ids an isolate keeps, at most: a few hundred bytes each. */
const MAX_CACHED_IDS = 4096;

const placements = new WeakMap<object, Placement>();

/** The placement for an `env`, parsed once. */
export function placementFor(env: PlacementEnv): Placement {
  let placement = placements.get(env);
  if (!placement) {
    placement = new Placement(env);
    placements.set(env, placement);
  }
  return placement;
}
