import { isLive, type KeyRecord, type KeyRef } from "./record";

/** The change a write asks for. */
export type WriteOp =
  | { kind: "put"; value: ArrayBuffer; contentType: string; ttlMs: number | null }
  | { kind: "delete" }
  | { kind: "incr"; by: number };

/** A write as the worker hands it to the key's primary, validated. */
export interface WriteRequest {
  ref: KeyRef;
  op: WriteOp;
  /** Apply only if the live value is at this version (`"*"`: only if there is a live value). */
  ifMatch?: number | "*";
  /** Apply only if there is no live value. */
  ifNoneMatch?: "*";
  /** A retry with the same key returns the first answer and applies nothing again. */
  idempotencyKey?: string;
}

export type WriteFailure = "precondition_failed" | "not_found" | "not_an_integer" | "idempotency_key_reused";

/** What the primary answers to a write. */
export type WriteOutcome =
  | {
      ok: true;
      version: number;
      committedAt: number;
      expiresAt: number | null;
      /** The counter's new value, for `incr`. */
      counter?: number;
      /** True when this answer is the replay of an earlier attempt with the same idempotency key. */
      replayed?: boolean;
    }
  | {
      ok: false;
      code: WriteFailure;
      /** The key's version now: that of its tombstone when it was deleted or expired, 0 when never written. */
      currentVersion: number;
      /** Whether a live value is at `currentVersion` (absent from answers stored before it was recorded). */
      exists?: boolean;
      /** For `not_an_integer`: the value is a whole number, but the increment would take it past ±(2^53 − 1). */
      overflow?: boolean;
      replayed?: boolean;
    };

const INTEGER = /^-?(0|[1-9]\d*)$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The counter a stored value holds, or null when it is not a safe integer in decimal text. */
export function parseCounter(value: ArrayBuffer): number | null {
  const text = decoder.decode(value).trim();
  if (!INTEGER.test(text)) return null;
  const counter = Number(text);
  return Number.isSafeInteger(counter) ? counter : null;
}

/**
 * Decides a write against the current record at `now`: either the record to
 * commit next and the answer, or a refusal that changes nothing. Pure, so the
 * rules of preconditions, deletes and counters are stated in one place.
 */
export function decideWrite(
  current: KeyRecord | null,
  request: WriteRequest,
  now: number,
): { next: KeyRecord | null; outcome: WriteOutcome } {
  const live = current !== null && isLive(current, now);
  const currentVersion = current?.version ?? 0;
  const refuse = (code: WriteFailure, more: { overflow?: true } = {}) => ({
    next: null,
    outcome: { ok: false as const, code, currentVersion, exists: live, ...more },
  });

  if (request.ifMatch !== undefined && (!live || (request.ifMatch !== "*" && request.ifMatch !== currentVersion))) {
    return refuse("precondition_failed");
  }
  if (request.ifNoneMatch === "*" && live) return refuse("precondition_failed");

  const base = { ...request.ref, version: currentVersion + 1, committedAt: now };
  let next: KeyRecord;
  let counter: number | undefined;
  switch (request.op.kind) {
    case "put": {
      const { value, contentType, ttlMs } = request.op;
      next = { ...base, value, contentType, expiresAt: ttlMs === null ? null : now + ttlMs };
      break;
    }
    case "delete": {
      if (!live) return refuse("not_found");
      next = { ...base, value: null, contentType: current!.contentType, expiresAt: null };
      break;
    }
    case "incr": {
      const previous = live ? parseCounter(current!.value!) : 0;
      if (previous === null) return refuse("not_an_integer");
      counter = previous + request.op.by;
      if (!Number.isSafeInteger(counter)) return refuse("not_an_integer", { overflow: true });
      next = {
        ...base,
        value: encoder.encode(String(counter)).buffer as ArrayBuffer,
        contentType: live ? current!.contentType : "text/plain; charset=utf-8",
        expiresAt: live ? current!.expiresAt : null,
      };
      break;
    }
  }
  const outcome: WriteOutcome = { ok: true, version: next.version, committedAt: now, expiresAt: next.expiresAt };
  if (counter !== undefined) outcome.counter = counter;
  return { next, outcome };
}

/**
 * The tombstone that replaces `record` at the next version once its value
 * has expired by `now`, or null while it has not (or holds no value).
 *
 * @example const tombstone = expiryTombstone(store.latest(), Date.now());
 */
export function expiryTombstone(record: KeyRecord, now: number): KeyRecord | null {
  if (record.value === null || record.expiresAt === null || record.expiresAt > now) return null;
  const committedAt = Math.max(now, record.committedAt);
  return { ...record, version: record.version + 1, value: null, committedAt, expiresAt: null };
}
