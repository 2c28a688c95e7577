import { VALUE_SIZES, valueOf, type ValueSize } from "./baselines/values";
import { expectEveryKeyFound, put, type Tier } from "./geocache-api";
import type { RequestSpec } from "./load/protocol";

/**
 * The baselines, each a worker of its own under `bench/baselines/`: the bare
 * worker alone and with the headers a geocache read answers with, and the
 * floors of a strong read, of a durable write and of a replicated write last.
 */
export const BASELINES = ["bare", "bare-headers", "object-rpc", "workers-kv", "cache-api", "object-read", "object-write", "object-handoff"] as const;
/** The baselines that write: each request stores a value, cycling through {@link WRITE_KEYS} keys. */
const WRITE_BASELINES: readonly BaselineName[] = ["object-write", "object-handoff"];
export type BaselineName = (typeof BASELINES)[number];

/**
 * geocache as configured in wrangler.toml; with the edge tier off; with the
 * edge tier but not its memory tier (Cache API only); with one region. The
 * write cases run on workers of their own (`-writes`), as the baselines'
 * writes do, so that no read case shares a workerd process with what the
 * write cases leave behind (their heap, their objects' alarms and storage).
 */
export const GEOCACHE_WORKERS = [
  "geocache",
  "geocache-edge-off",
  "geocache-cache-api",
  "geocache-one-region",
  "geocache-writes",
  "geocache-edge-off-writes",
] as const;
export type WorkerName = BaselineName | (typeof GEOCACHE_WORKERS)[number];

/** What each case measures, by kind, whatever its size. */
export type CaseKind =
  | BaselineName
  | "eventual-edge"
  | "eventual-cache-api"
  | "eventual-replica"
  | "eventual-quiet"
  | "strong"
  | "bounded"
  | "put-1"
  | "put-9"
  | "put-9-edge-off"
  | "incr"
  | "mget-10";

export interface BenchCase {
  /** `<kind>/<size>`, or the kind alone for a case without a value size. */
  id: string;
  kind: CaseKind;
  label: string;
  size: ValueSize | null;
  worker: WorkerName;
  request: RequestSpec;
  /** Runs before each warm-up: writes what the case must find in place. */
  prepare?: (origin: string) => Promise<void>;
  /** The case writes: replication must go quiet before the next case runs. */
  writes?: boolean;
  /** The tier that should serve the case's reads (counted from /v1/stats; the report flags a case with under 95 % of them there). */
  expectTier?: Tier;
}

export const CASE_LABELS: Record<CaseKind, string> = {
  bare: "baseline: bare Hono constant",
  "bare-headers": "baseline: bare Hono constant, with a read's headers",
  "object-rpc": "baseline: one Durable Object RPC",
  "workers-kv": "baseline: Workers KV read",
  "cache-api": "baseline: caches.default hit",
  "object-read": "baseline: one Durable Object SQLite read",
  "object-write": "baseline: one Durable Object SQLite write",
  "object-handoff": "baseline: DO SQLite write, handed on by one RPC",
  "eventual-edge": "eventual read, edge tier (isolate memory)",
  "eventual-cache-api": "eventual read, edge tier (Cache API)",
  "eventual-replica": "eventual read, replica (edge off)",
  "eventual-quiet": "eventual read, key quiet > 3 s (edge on)",
  strong: "strong read",
  bounded: "bounded read, revalidates (max 0 ms)",
  "put-1": "PUT, 1 region",
  "put-9": "PUT, 9 regions",
  "put-9-edge-off": "PUT, 9 regions, edge tier off (no purge)",
  incr: "incr",
  "mget-10": "mget of 10 keys",
};

/** Writes cycle through this many keys, so that no one primary serializes a case. */
export const WRITE_KEYS = 100;

const SIZES = Object.keys(VALUE_SIZES) as ValueSize[];
const encoder = new TextEncoder();
const keyPath = (key: string) => `/v1/keys/${encodeURIComponent(key)}`;
const readKey = (size: ValueSize) => `bench-read-${size}`;
const mgetKeys = (size: ValueSize) => Array.from({ length: 10 }, (_, i) => `bench-mget-${size}-${i}`);
const writePaths = (prefix: string, suffix = "") => Array.from({ length: WRITE_KEYS }, (_, i) => `${keyPath(`${prefix}-${i}`)}${suffix}`);

function readCase(kind: CaseKind, worker: WorkerName, size: ValueSize, headers: Record<string, string>, expectTier: Tier, key = readKey(size)): BenchCase {
  return { id: `${kind}/${size}`, kind, label: CASE_LABELS[kind], size, worker, request: { method: "GET", paths: [keyPath(key)], headers }, expectTier };
}

function writeCase(kind: "put-1" | "put-9" | "put-9-edge-off", worker: WorkerName, size: ValueSize): BenchCase {
  const request: RequestSpec = {
    method: "PUT",
    paths: writePaths(`bench-${kind}-${size}`),
    headers: { "Content-Type": "application/octet-stream" },
    body: new Uint8Array(valueOf(size)),
  };
  return { id: `${kind}/${size}`, kind, label: CASE_LABELS[kind], size, worker, request, writes: true };
}

/**
 * Every case of the benchmark: the baselines and geocache's reads and
 * writes, at 100 B and 64 KiB. The edge tier serves a copy for
 * `EDGE_CACHE_MAX_AGE_MS` (3 s) after fetching it from the region, so the
 * edge cases write their keys afresh just before they run.
 */
export function benchCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const size of SIZES) {
    for (const baseline of BASELINES) {
      // Read baselines answer the value; write baselines store it, cycling through the keys as geocache's writes do.
      const request: RequestSpec = WRITE_BASELINES.includes(baseline)
        ? { method: "PUT", paths: Array.from({ length: WRITE_KEYS }, (_, i) => `/value/${size}/${i}`), body: new Uint8Array(valueOf(size)) }
        : { method: "GET", paths: [`/value/${size}`] };
      cases.push({ id: `${baseline}/${size}`, kind: baseline, label: CASE_LABELS[baseline], size, worker: baseline, request });
    }
    const eventual = { "X-Consistency": "eventual" };
    const writeAfresh = (origin: string) => put(origin, readKey(size), new Uint8Array(valueOf(size))).then(() => undefined);
    cases.push({ ...readCase("eventual-edge", "geocache", size, eventual, "edge"), prepare: writeAfresh });
    cases.push({ ...readCase("eventual-cache-api", "geocache-cache-api", size, eventual, "edge"), prepare: writeAfresh });
    cases.push(readCase("eventual-replica", "geocache-edge-off", size, eventual, "replica"));
    cases.push(readCase("strong", "geocache", size, { "X-Consistency": "strong" }, "primary"));
    cases.push(readCase("bounded", "geocache", size, { "X-Max-Staleness": "0" }, "replica"));
    cases.push(writeCase("put-1", "geocache-one-region", size));
    cases.push(writeCase("put-9", "geocache-writes", size));
    // What the edge tier's purge of the writer's data center costs a write (a Cache API call, which Miniflare serves outside the isolate).
    cases.push(writeCase("put-9-edge-off", "geocache-edge-off-writes", size));
    cases.push({
      id: `mget-10/${size}`,
      kind: "mget-10",
      label: CASE_LABELS["mget-10"],
      size,
      worker: "geocache",
      request: {
        method: "POST",
        paths: ["/v1/mget"],
        headers: { "Content-Type": "application/json" },
        body: encoder.encode(JSON.stringify({ keys: mgetKeys(size), consistency: "eventual" })),
      },
      prepare: async (origin) => {
        await Promise.all(mgetKeys(size).map((key) => put(origin, key, new Uint8Array(valueOf(size)))));
        await expectEveryKeyFound(origin, mgetKeys(size));
      },
      expectTier: "edge",
    });
  }
  // The first read after 3 s quiet goes to the replica; the edge keeps what it brings for the reads after it.
  cases.push({ ...readCase("eventual-quiet", "geocache", "small", { "X-Consistency": "eventual" }, "edge", "bench-quiet-small"), id: "eventual-quiet/small" });
  cases.push({
    id: "incr",
    kind: "incr",
    label: CASE_LABELS.incr,
    size: null,
    worker: "geocache-writes",
    request: { method: "POST", paths: writePaths("bench-incr", "/incr"), headers: { "Content-Type": "application/json" }, body: encoder.encode('{"by":1}') },
    writes: true,
  });
  return cases;
}

/** Writes, once before the rounds, every key a read case expects to find in each geocache worker. */
export async function seedGeocache(origin: string): Promise<void> {
  await Promise.all(SIZES.map((size) => put(origin, readKey(size), new Uint8Array(valueOf(size)))));
  await put(origin, "bench-quiet-small", new Uint8Array(valueOf("small")));
}
