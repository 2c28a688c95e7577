import { placementFor, type Placement } from "../durable-objects/placement";
import { CONSISTENCY_MODES, type Consistency } from "./consistency";

/** The largest value the API accepts, whatever `MAX_VALUE_BYTES` says: 1 MiB. */
export const VALUE_LIMIT_BYTES = 1_048_576;

/** The worker's settings, parsed from `env` once per isolate. */
export interface Settings {
  placement: Placement;
  defaultConsistency: Consistency;
  maxValueBytes: number;
}

const cache = new WeakMap<object, Settings>();

/**
 * Reads the worker's settings from its vars. A setting that does not parse
 * throws, so a misconfigured deployment fails on its first request with a
 * message naming the setting, rather than serving with a silent default.
 */
export function settingsFor(env: Env): Settings {
  let settings = cache.get(env);
  if (settings) return settings;
  const defaultConsistency = (env.DEFAULT_CONSISTENCY || "eventual") as Consistency;
  if (!CONSISTENCY_MODES.includes(defaultConsistency)) {
    throw new Error(`DEFAULT_CONSISTENCY must be one of ${CONSISTENCY_MODES.join(", ")}, not "${env.DEFAULT_CONSISTENCY}"`);
  }
  const maxValueBytes = env.MAX_VALUE_BYTES ? Number(env.MAX_VALUE_BYTES) : VALUE_LIMIT_BYTES;
  if (!Number.isInteger(maxValueBytes) || maxValueBytes < 0 || maxValueBytes > VALUE_LIMIT_BYTES) {
    throw new Error(`MAX_VALUE_BYTES must be a whole number from 0 to ${VALUE_LIMIT_BYTES}, not "${env.MAX_VALUE_BYTES}"`);
  }
  settings = { placement: placementFor(env), defaultConsistency, maxValueBytes };
  cache.set(env, settings);
  return settings;
}
