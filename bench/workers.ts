import { BASELINES, GEOCACHE_WORKERS, type BaselineName, type WorkerName } from "./cases";

export type GeocacheWorker = (typeof GEOCACHE_WORKERS)[number];

/** The settings of each geocache worker over wrangler.toml's (with anonymous admin access, for any auth). */
export const GEOCACHE_VARS: Record<GeocacheWorker, Record<string, string>> = {
  geocache: {},
  "geocache-edge-off": { EDGE_CACHE_MAX_AGE_MS: "0" },
  "geocache-cache-api": { EDGE_MEMORY_BYTES: "0" },
  "geocache-one-region": { REGIONS: "enam" },
  "geocache-writes": {},
  "geocache-edge-off-writes": { EDGE_CACHE_MAX_AGE_MS: "0" },
};

export function isGeocache(name: WorkerName): name is GeocacheWorker {
  return !(BASELINES as readonly string[]).includes(name);
}

/** The wrangler config of a baseline worker. */
export function baselineConfig(name: BaselineName): string {
  return `bench/baselines/${name}/wrangler.toml`;
}
