import { isRegion, type Region } from "../topology";

/** The faults the geo simulation injects; all lifted is {@link NO_FAULTS}. */
export interface Faults {
  /** Regions cut off from every other region: hops into and out of them fail. */
  cut: Region[];
  /** The share (0 to 1) of replication messages that are lost. */
  dropShare: number;
  /** The share (0 to 1) of replication messages delayed by `delayMs`. */
  delayShare: number;
  delayMs: number;
  /** The share (0 to 1) of replication messages delivered twice, the copy right after the original. */
  duplicateShare: number;
  /**
   * The share (0 to 1) of replication messages of which a copy arrives again
   * `delayMs` later: by then a newer push may have landed, so the copy is a
   * stale message arriving out of order.
   */
  reorderShare: number;
  /** Extra one-way delay (ms) on every hop into or out of a region. */
  slow: Partial<Record<Region, number>>;
}

export const NO_FAULTS: Faults = {
  cut: [],
  dropShare: 0,
  delayShare: 0,
  delayMs: 0,
  duplicateShare: 0,
  reorderShare: 0,
  slow: {},
};

/** The kinds of fault the simulation injects into messages, as its counters name them. */
export type InjectedFault = "cutOff" | "dropped" | "delayed" | "duplicated" | "reordered";

/** Thrown for a hop across a cut: the caller sees an unreachable object and fails fast. */
export class PartitionError extends Error {
  constructor(from: Region, to: Region) {
    super(`simulated partition: ${from} cannot reach ${to}`);
    this.name = "PartitionError";
  }
}

/** Thrown for a replication message the simulation lost. */
export class DroppedMessageError extends Error {
  constructor(from: Region, to: Region) {
    super(`simulated loss of a message from ${from} to ${to}`);
    this.name = "DroppedMessageError";
  }
}

function share(value: unknown, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) throw new RangeError(`"${name}" must be a number from 0 to 1`);
  return value;
}

/**
 * Validates faults given as JSON; fields left out are not injected.
 *
 * @example parseFaults({ cut: ["oc"], dropShare: 0.2, duplicateShare: 0.1, reorderShare: 0.1, delayMs: 500 })
 */
export function parseFaults(input: unknown): Faults {
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new RangeError("faults must be a JSON object");
  const given = input as Record<string, unknown>;
  const cut = given.cut ?? [];
  if (!Array.isArray(cut) || !cut.every((region) => typeof region === "string" && isRegion(region))) {
    throw new RangeError('"cut" must be a list of location hints');
  }
  const delayMs = given.delayMs ?? 0;
  if (typeof delayMs !== "number" || !(delayMs >= 0 && delayMs <= 60_000)) throw new RangeError('"delayMs" must be 0 to 60000');
  const slow = given.slow ?? {};
  if (typeof slow !== "object" || slow === null || Array.isArray(slow)) throw new RangeError('"slow" must map regions to ms');
  for (const [region, ms] of Object.entries(slow)) {
    if (!isRegion(region) || typeof ms !== "number" || !(ms >= 0 && ms <= 60_000)) {
      throw new RangeError('"slow" must map location hints to 0 to 60000 ms');
    }
  }
  return {
    cut: [...new Set(cut as Region[])],
    dropShare: share(given.dropShare, "dropShare"),
    delayShare: share(given.delayShare, "delayShare"),
    delayMs,
    duplicateShare: share(given.duplicateShare, "duplicateShare"),
    reorderShare: share(given.reorderShare, "reorderShare"),
    slow: slow as Partial<Record<Region, number>>,
  };
}
