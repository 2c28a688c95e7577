import type { ValueType } from "./values";

/**
 * A read mode: `strong` (the key's primary: every acknowledged write),
 * `eventual` (the nearest copy), `bounded` (the nearest copy if no staler
 * than `maxStalenessMs`), or `session` (at least as new as this client's own
 * writes and reads).
 *
 * @example await cache.get("k", { consistency: "strong" });
 */
export type Consistency = "strong" | "eventual" | "bounded" | "session";

/**
 * The tier that answered a read.
 *
 * @example if (hit?.servedBy === "primary") console.log("read from the key's home region");
 */
export type ServedBy = "edge" | "replica" | "primary";

/**
 * Options every read takes.
 *
 * @example await cache.get("k", { consistency: "bounded", maxStalenessMs: 500, region: "weur" });
 */
export interface ReadOptions {
  /** The read mode; the service's default when not given. */
  consistency?: Consistency;
  /** For `bounded` reads: the stalest copy acceptable, in ms (`X-Max-Staleness`). */
  maxStalenessMs?: number;
  /** The region to be served from (`X-Region`); the one nearest the caller by default. */
  region?: string;
  /** Aborts the read and its retries. */
  signal?: AbortSignal;
}

/**
 * Options of `get`.
 *
 * @example await cache.get("cart", { minVersion: 7, maxWaitMs: 200, type: "json" });
 */
export interface GetOptions extends ReadOptions {
  /** Serve a version at least this new (`X-Min-Version`). */
  minVersion?: number;
  /** How long the service may wait for `minVersion` to arrive, in ms (`X-Max-Wait-Ms`). */
  maxWaitMs?: number;
  /** How to hand back the value; inferred from its `Content-Type` when not given. */
  type?: ValueType;
}

/**
 * A value read, with where it came from and how fresh it is.
 *
 * @example const { value, version, servedBy, region, stalenessMs, expiresAt } = (await cache.get("k"))!;
 */
export interface GetResult<T = unknown> {
  value: T;
  /** The key's version: 1, 2, 3, … bumped by every write and delete. */
  version: number;
  /** The tier that answered. */
  servedBy: ServedBy;
  /** The region of the tier that answered. */
  region: string;
  /** How far behind the latest write this copy may be, in ms; 0 from the primary. */
  stalenessMs: number;
  /** When the value expires, in ms since the epoch; null when it has no TTL. */
  expiresAt: number | null;
  /** The `Content-Type` the value was stored with. */
  contentType: string;
  /** The read mode that applied: the strongest of those asked for and implied (a session makes `session`). */
  consistency: Consistency;
}

/**
 * What a read says of a key without its value (`head`).
 *
 * @example const { size, version, contentType } = (await cache.head("k"))!;
 */
export interface HeadResult extends Omit<GetResult<never>, "value"> {
  /** The value's length in bytes; null when the answer does not give it. */
  size: number | null;
}

/**
 * Options of `set`.
 *
 * @example await cache.set("lock", "me", { ifNoneMatch: "*", ttlMs: 30_000 });
 */
export interface SetOptions {
  /** Expire the value after this many ms (`X-TTL-Ms`). */
  ttlMs?: number;
  /** Write only if the key is at this version now (`If-Match`); otherwise a `PreconditionFailedError`. */
  ifMatch?: number;
  /** `"*"`: write only if the key does not exist (`If-None-Match: *`). */
  ifNoneMatch?: "*";
  /** The `Content-Type` to store; inferred from the value when not given. */
  contentType?: string;
  /** The write's `Idempotency-Key`; a fresh one per call by default. */
  idempotencyKey?: string;
  /** The region the write enters by (`X-Region`). */
  region?: string;
  signal?: AbortSignal;
}

/**
 * What a write answers.
 *
 * @example const { version, expiresAt } = await cache.set("k", "v", { ttlMs: 1_000 });
 */
export interface SetResult {
  /** The version the write created. */
  version: number;
  /** When the value expires, in ms since the epoch; null when it has no TTL. */
  expiresAt: number | null;
}

/**
 * Options of `delete`.
 *
 * @example await cache.delete("k", { ifMatch: 4 });
 */
export interface DeleteOptions {
  /** Delete only if the key is at this version now; a missing key then fails the condition: `PreconditionFailedError`. */
  ifMatch?: number;
  /** The delete's `Idempotency-Key`; a fresh one per call by default. */
  idempotencyKey?: string;
  region?: string;
  signal?: AbortSignal;
}

/**
 * Options of `incr`.
 *
 * @example await cache.incr("orders", 1, { idempotencyKey: orderId });
 */
export interface IncrOptions {
  /** The increment's `Idempotency-Key`; a fresh one per call by default, kept across its retries. */
  idempotencyKey?: string;
  region?: string;
  signal?: AbortSignal;
}

/**
 * What `incr` answers.
 *
 * @example const { value, version } = await cache.incr("hits");
 */
export interface IncrResult {
  /** The counter after the increment. */
  value: number;
  version: number;
}

/**
 * Options of `mget`.
 *
 * @example await cache.mget(["a", "b"], { consistency: "bounded", maxStalenessMs: 1_000, type: "text" });
 */
export interface MgetOptions extends ReadOptions {
  /** Per key, the oldest version acceptable. */
  minVersions?: Record<string, number>;
  /** How long the service may wait for `minVersions` to arrive, in ms. */
  maxWaitMs?: number;
  /** How to hand back the values; inferred from each one's `Content-Type` when not given. */
  type?: Exclude<ValueType, "stream">;
}

/**
 * What `health()` answers.
 *
 * @example const { status, region, time } = await cache.health();
 */
export interface Health {
  status: string;
  /** The region that answered. */
  region: string;
  /** The service's clock, in ms since the epoch. */
  time: number;
}

/**
 * What `regions()` answers.
 *
 * @example const { regions, nearest } = await cache.regions(); // ["wnam", …], "weur"
 */
export interface Regions {
  /** Every region that holds replicas. */
  regions: string[];
  /** The region that serves this client. */
  nearest: string;
}
