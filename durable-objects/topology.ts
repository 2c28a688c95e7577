/**
 * Where every copy of a key lives: the regions, the replica shards and the
 * Durable Object names. This is the only module that builds names, so a
 * change of layout (tenants, shard count) happens here and nowhere else.
 *
 * Invariants:
 * - `entryId(namespace, key)` is injective: no two (namespace, key) pairs
 *   share an id, whatever bytes the key holds. Both parts are
 *   percent-encoded with `encodeURIComponent`, which never emits `/`, so the
 *   single `/` separator is unambiguous.
 * - `shardOf(id, count)` depends only on the id and the count: every worker,
 *   primary and replica computes the same shard for the same key. Changing
 *   `REPLICA_SHARDS` moves keys between shards; a moved key's new shard fills
 *   by read-through and replication, and its old copy is never read again.
 * - A replica object is named `region/shard` and placed with
 *   `locationHint = region`; a primary is named by its entry id and placed
 *   near the region of the request that first reaches it.
 */

/** The Durable Object location hints geocache can place replicas in. */
export const LOCATION_HINTS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;

export type Region = (typeof LOCATION_HINTS)[number];

/** The tenant of requests without a token, where local development allows them (`ANONYMOUS_ACCESS`). */
export const DEFAULT_NAMESPACE = "default";

/** Shards per region when `REPLICA_SHARDS` is not set. */
export const DEFAULT_SHARD_COUNT = 4;

/** Shards per region are capped so that one write never fans out to an unbounded set of objects. */
export const MAX_SHARD_COUNT = 256;

export function isRegion(value: string): value is Region {
  return (LOCATION_HINTS as readonly string[]).includes(value);
}

/**
 * Parses the `REGIONS` setting: a comma-separated list of location hints.
 * An empty or missing setting means all nine. Throws on an unknown hint, so a
 * misconfigured deployment fails loudly instead of silently skipping a region.
 *
 * @example parseRegions("weur, enam") // ["weur", "enam"]
 */
export function parseRegions(setting: string | undefined): Region[] {
  const names = (setting ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  if (names.length === 0) return [...LOCATION_HINTS];
  const regions: Region[] = [];
  for (const name of names) {
    if (!isRegion(name)) {
      throw new Error(`REGIONS names "${name}", which is not a location hint (${LOCATION_HINTS.join(", ")})`);
    }
    if (!regions.includes(name)) regions.push(name);
  }
  return regions;
}

/** Parses the `REPLICA_SHARDS` setting: a whole number from 1 to {@link MAX_SHARD_COUNT}. */
export function parseShardCount(setting: string | undefined): number {
  if (setting === undefined || setting.trim() === "") return DEFAULT_SHARD_COUNT;
  const count = Number(setting);
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARD_COUNT) {
    throw new Error(`REPLICA_SHARDS must be a whole number from 1 to ${MAX_SHARD_COUNT}, not "${setting}"`);
  }
  return count;
}

/**
 * The id of a key within its namespace: the name of its primary and the row
 * key of its copies in every replica.
 *
 * @example entryId("default", "a/b") // "default/a%2Fb"
 */
export function entryId(namespace: string, key: string): string {
  return `${encodeURIComponent(namespace)}/${encodeURIComponent(key)}`;
}

/** 32-bit FNV-1a over a string's UTF-16 code units: stable across runtimes and deployments. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The shard of a replica region that holds an entry. */
export function shardOf(id: string, shardCount: number): number {
  return fnv1a32(id) % shardCount;
}

/** The name of the replica object for one shard of one region. */
export function replicaName(region: Region, shard: number): string {
  return `${region}/${shard}`;
}
