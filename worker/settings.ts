import { networkFor, type SimulatedNetwork } from "../durable-objects/geo-sim/network";
import { placementFor, type Placement } from "../durable-objects/placement";
import { CONSISTENCY_MODES, type Consistency } from "./consistency";
import { EdgeCache } from "./edge-cache";
import { IsolateCache } from "../durable-objects/isolate-cache";
import { DataCenterRegions } from "./nearest-region";
import { ApiError } from "./errors";

/** The largest value the API accepts, whatever `MAX_VALUE_BYTES` says: 1 MiB. */
export const VALUE_LIMIT_BYTES = 1_048_576;
/** How stale an eventual read served by the edge tier may be when `EDGE_CACHE_MAX_AGE_MS` is not set. */
export const DEFAULT_EDGE_CACHE_MAX_AGE_MS = 3_000;
/** The isolate's memory for hot keys when `EDGE_MEMORY_BYTES` is not set: 8 MiB of the isolate's 128 MiB. */
export const DEFAULT_EDGE_MEMORY_BYTES = 8 * 1024 * 1024;

/** The worker's settings, parsed from `env` once per isolate. */
export interface Settings {
  placement: Placement;
  /** The configured region nearest each data center requests arrive through. */
  nearest: DataCenterRegions;
  defaultConsistency: Consistency;
  maxValueBytes: number;
  edge: EdgeCache;
  /** The simulated planet when `GEO_SIM` is on; null in production. */
  network: SimulatedNetwork | null;
}

const cache = new WeakMap<object, Settings>();

function wholeSetting(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`${name} must be a whole number from 0 to ${max}, not "${raw}"`);
  }
  return value;
}

/**
 * Reads the worker's settings from its vars. A setting that does not parse
 * fails every request that needs the settings with 500 `misconfigured`,
 * naming the setting, rather than serving with a silent default. Only
 * settings that parsed are kept, so every such request says why.
 */
export function settingsFor(env: Env): Settings {
  let settings = cache.get(env);
  if (settings) return settings;
  try {
    settings = parseSettings(env);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`settings misconfigured: ${reason}`);
    throw new ApiError(500, "misconfigured", `the service's settings are invalid: ${reason}`, {}, error);
  }
  cache.set(env, settings);
  return settings;
}

function parseSettings(env: Env): Settings {
  const defaultConsistency = (env.DEFAULT_CONSISTENCY || "eventual") as Consistency;
  if (!CONSISTENCY_MODES.includes(defaultConsistency) || defaultConsistency === "bounded") {
    throw new Error(`DEFAULT_CONSISTENCY must be strong, session or eventual, not "${env.DEFAULT_CONSISTENCY}"`);
  }
  const placement = placementFor(env);
  return {
    placement,
    nearest: new DataCenterRegions(placement.regions),
    defaultConsistency,
    maxValueBytes: wholeSetting("MAX_VALUE_BYTES", env.MAX_VALUE_BYTES, VALUE_LIMIT_BYTES, VALUE_LIMIT_BYTES),
    edge: new EdgeCache(
      caches.default,
      wholeSetting("EDGE_CACHE_MAX_AGE_MS", env.EDGE_CACHE_MAX_AGE_MS, DEFAULT_EDGE_CACHE_MAX_AGE_MS, 86_400_000),
      new IsolateCache(wholeSetting("EDGE_MEMORY_BYTES", env.EDGE_MEMORY_BYTES, DEFAULT_EDGE_MEMORY_BYTES, 64 * 1024 * 1024)),
    ),
    network: networkFor(env),
  };
}
