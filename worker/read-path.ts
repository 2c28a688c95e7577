import type { ConfirmedRecord, KeyRef } from "../durable-objects/record";
import type { Region } from "../durable-objects/topology";
import type { Consistency } from "./consistency";
import { callObject } from "./object-call";
import type { Settings } from "./settings";

/** A read as served: the copy, the tier and region it came from, and how stale it may be. */
export interface ServedRead {
  record: ConfirmedRecord;
  servedBy: "primary" | "replica";
  region: Region;
  consistency: Consistency;
  /** An upper bound on how far behind the latest write this copy may be, in ms; 0 from the primary. */
  stalenessMs: number;
  /** For a replica: whether it held the copy or filled it from the primary for this read. */
  cache?: "hit" | "miss";
}

/**
 * Serves a read in the requested mode: `strong` from the key's primary,
 * which reads its storage; `eventual` from the region's replica, which fills
 * from the primary on a miss.
 */
export async function readKey(settings: Settings, ref: KeyRef, region: Region, consistency: Consistency): Promise<ServedRead> {
  const { placement } = settings;
  if (consistency === "strong") {
    const { record, homeRegion } = await callObject(() => placement.primary(ref).read(ref), { idempotent: true });
    return { record, servedBy: "primary", region: homeRegion ?? region, consistency, stalenessMs: 0 };
  }
  const { record, cache } = await callObject(() => placement.replica(region, ref).read(ref), { idempotent: true });
  const stalenessMs = Math.max(0, Date.now() - record.confirmedAt);
  return { record, servedBy: "replica", region, consistency, stalenessMs, cache };
}

/** The headers that say where a read came from and how fresh it is. */
export function provenanceHeaders(read: ServedRead): Record<string, string> {
  const headers: Record<string, string> = {
    ETag: `"${read.record.version}"`,
    "X-Version": String(read.record.version),
    "X-Served-By": read.servedBy,
    "X-Region": read.region,
    "X-Consistency": read.consistency,
    "X-Staleness-Ms": String(read.stalenessMs),
    Age: String(Math.floor(read.stalenessMs / 1000)),
  };
  if (read.cache) headers["X-Cache"] = read.cache.toUpperCase();
  if (read.record.committedAt > 0) headers["Last-Modified"] = new Date(read.record.committedAt).toUTCString();
  return headers;
}
