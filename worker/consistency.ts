import type { ReadConstraints } from "../durable-objects/freshness";

/**
 * The read modes a request may ask for:
 * - `strong`: the key's primary answers from its storage (linearizable).
 * - `session`: read-your-writes and monotonic reads for the keys in the
 *   request's session token (and any `X-Min-Version`).
 * - `bounded`: only a copy the primary vouched for within `X-Max-Staleness` ms.
 * - `eventual`: the nearest copy, however old.
 */
export const CONSISTENCY_MODES = ["strong", "session", "bounded", "eventual"] as const;

export type Consistency = (typeof CONSISTENCY_MODES)[number];

export function isConsistency(value: string): value is Consistency {
  return (CONSISTENCY_MODES as readonly string[]).includes(value);
}

/** A read's options as the request states them, before the session is applied. */
export interface ReadOptions {
  /** The mode the request names (`X-Consistency` or `?consistency=`), if any. */
  mode?: Consistency;
  minVersion?: number;
  maxStalenessMs?: number;
  maxWaitMs?: number;
}

/** The mode a read is served in, and the constraints every copy that serves it must meet. */
export interface ResolvedRead {
  mode: Consistency;
  constraints: ReadConstraints;
}

/**
 * Combines a read's options, the deployment's default mode and the session's
 * version for the key into what the read is served with. A read that names
 * `eventual` opts out of its session's guarantees (the token is still
 * updated); any other non-strong read gets them. The mode answered is the
 * strongest that applied: session, then bounded, then eventual.
 *
 * @example resolveRead({ maxStalenessMs: 500 }, "eventual", 0) // { mode: "bounded", constraints: { maxStalenessMs: 500 } }
 */
export function resolveRead(options: ReadOptions, defaultMode: Consistency, sessionVersion: number): ResolvedRead {
  const named = options.mode ?? defaultMode;
  if (named === "strong") return { mode: "strong", constraints: {} };
  const fromSession = options.mode === "eventual" ? 0 : sessionVersion;
  const minVersion = Math.max(options.minVersion ?? 0, fromSession);
  const constraints: ReadConstraints = {};
  if (minVersion > 0) constraints.minVersion = minVersion;
  if (options.maxStalenessMs !== undefined) constraints.maxStalenessMs = options.maxStalenessMs;
  if (options.maxWaitMs) constraints.maxWaitMs = options.maxWaitMs;
  const mode: Consistency =
    named === "session" || minVersion > 0 ? "session" : options.maxStalenessMs !== undefined ? "bounded" : "eventual";
  return { mode, constraints };
}
