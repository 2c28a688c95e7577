import { shortfall } from "../durable-objects/freshness";
import { isLive, type CacheOutcome, type ConfirmedRecord, type KeyRef } from "../durable-objects/record";
import type { Region } from "../durable-objects/topology";
import type { Consistency, ResolvedRead } from "./consistency";
import type { EdgeValue } from "./edge-cache";
import { callObject } from "./object-call";
import type { Settings } from "./settings";
import { statsRecorder } from "./stats-recorder";

/** A read as served: the copy, the tier and region it came from, and how stale it may be. */
export interface ServedRead<Value = ArrayBuffer> {
  record: ConfirmedRecord<Value>;
  servedBy: "edge" | "replica" | "primary";
  region: Region;
  mode: Consistency;
  /** An upper bound on how far behind the latest write this copy may be, in ms; 0 from the primary. */
  stalenessMs: number;
  /** For a replica: whether it held the copy, waited for it, or asked the primary for this read. */
  cache?: CacheOutcome;
}

/**
 * Serves a read from the nearest tier whose copy meets its constraints:
 * the data center's edge cache, then the region's replica (which waits for
 * replication or asks the primary when its copy falls short), and for
 * `strong` reads the key's primary only. A value served from further away is
 * kept at the edge for the reads after it (through `defer`, after the answer).
 * With `as: "stream"`, an edge copy may come as the Cache API's stream (see
 * {@link EdgeCache.match}), for an answer that passes the value on unread.
 *
 * @example
 * const served = await serveRead(settings, ref, "weur", read, (work) => c.executionCtx.waitUntil(work));
 */
export function serveRead(...args: [...ReadArguments, as?: "bytes"]): Promise<ServedRead>;
export function serveRead(...args: [...ReadArguments, as: ValueForm]): Promise<ServedRead<EdgeValue>>;
export async function serveRead(
  settings: Settings,
  ref: KeyRef,
  region: Region,
  read: ResolvedRead,
  defer: ReadArguments[4],
  as: ValueForm = "bytes",
): Promise<ServedRead<EdgeValue>> {
  const served = await fromNearestTier(settings, ref, region, read, defer, as);
  statsRecorder.record(region, served);
  const flush = statsRecorder.flush(settings.placement);
  if (flush) defer(flush);
  return served;
}

/** What a read is served from: the settings, the key, the caller's region, the read's mode and constraints, and where work goes to run after the answer. */
type ReadArguments = [settings: Settings, ref: KeyRef, region: Region, read: ResolvedRead, defer: (work: Promise<unknown>) => void];

/** How a value is wanted: as bytes, or as an edge copy's unread stream where there is one. */
type ValueForm = "bytes" | "stream";

async function fromNearestTier(...[settings, ref, region, read, defer, as]: [...ReadArguments, as: ValueForm]): Promise<ServedRead<EdgeValue>> {
  const { placement, edge, network } = settings;
  if (read.mode === "strong") {
    const { record, homeRegion } = await callObject(() => placement.primary(ref, region).read(ref, region), { idempotent: true });
    await network?.travel(homeRegion ?? region, region);
    return { record, servedBy: "primary", region: homeRegion ?? region, mode: read.mode, stalenessMs: 0 };
  }
  if (edge.enabled) {
    const now = Date.now();
    const accept = (candidate: ConfirmedRecord<unknown>) => isLive(candidate, now) && shortfall(candidate, read.constraints, now) === null;
    const copy = await edge.match(region, ref, accept, as);
    if (copy) return { record: copy, servedBy: "edge", region, mode: read.mode, stalenessMs: stalenessOf(copy, now) };
  }
  await network?.roundTrip(region, region);
  const { record, cache } = await callObject(() => placement.replica(region, ref).read(ref, read.constraints, region), {
    idempotent: true,
  });
  if (edge.enabled && isLive(record, Date.now())) defer(edge.store(region, record));
  return { record, servedBy: "replica", region, mode: read.mode, stalenessMs: stalenessOf(record), cache };
}

/**
 * How long before `now` the primary last vouched for a copy: never below 0,
 * though the copy may have been vouched for by a primary whose clock runs a
 * little ahead, or stored by another isolate after `now` was read.
 */
function stalenessOf(copy: ConfirmedRecord<unknown>, now = Date.now()): number {
  return Math.max(0, now - copy.confirmedAt);
}

/**
 * Sets the headers that say where a read came from and how fresh it is,
 * through `setHeader` (a hot read sets them straight on its answer).
 *
 * @example setProvenanceHeaders(served, (name, value) => c.header(name, value));
 */
export function setProvenanceHeaders(read: ServedRead<unknown>, setHeader: (name: string, value: string) => void): void {
  const { record } = read;
  setHeader("ETag", `"${record.version}"`);
  setHeader("X-Version", String(record.version));
  setHeader("X-Served-By", read.servedBy);
  setHeader("X-Region", read.region);
  setHeader("X-Consistency", read.mode);
  setHeader("X-Staleness-Ms", String(read.stalenessMs));
  setHeader("Age", String(Math.floor(read.stalenessMs / 1000)));
  if (read.cache) setHeader("X-Cache", read.cache.toUpperCase());
  if (record.expiresAt !== null && record.value !== null) setHeader("X-Expires-At", String(record.expiresAt));
  if (record.committedAt > 0) setHeader("Last-Modified", new Date(record.committedAt).toUTCString());
}
