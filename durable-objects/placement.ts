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

  constructor(private readonly env: PlacementEnv) {
    this.regions = parseRegions(env.REGIONS);
    this.shardCount = parseShardCount(env.REPLICA_SHARDS);
  }

  /** The primary of a key; `locationHint` places it when this call creates it. */
  primary(ref: KeyRef, locationHint?: Region): DurableObjectStub<import("./key-primary").KeyPrimary> {
    const id = this.env.KEY_PRIMARY.idFromName(entryId(ref.namespace, ref.key));
    return locationHint ? this.env.KEY_PRIMARY.get(id, { locationHint }) : this.env.KEY_PRIMARY.get(id);
  }

  /** The replica that holds a key's copy in `region`. */
  replica(region: Region, ref: KeyRef): DurableObjectStub<import("./region-replica").RegionReplica> {
    return this.replicaShard(region, shardOf(entryId(ref.namespace, ref.key), this.shardCount));
  }

  /** One shard of a region's replicas. */
  replicaShard(region: Region, shard: number): DurableObjectStub<import("./region-replica").RegionReplica> {
    return this.env.REGION_REPLICA.get(this.env.REGION_REPLICA.idFromName(replicaName(region, shard)), { locationHint: region });
  }

  /** The object that keeps a region's live figures. */
  stats(region: Region): DurableObjectStub<import("./stats/region-stats").RegionStats> {
    return this.env.REGION_STATS.get(this.env.REGION_STATS.idFromName(region), { locationHint: region });
  }
}

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
