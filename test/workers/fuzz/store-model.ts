/**
 * A model of what one key's primary holds, written from the README's rules
 * alone: versions 1, 2, 3 … per key, bumped by every write, delete and
 * expiry; conditional writes; counters in decimal text; values that expire.
 *
 * Expiry makes the model uncertain for a moment: near `expiresAt` the
 * worker may have judged the value live or expired, and once expired, the
 * primary's alarm may or may not have turned it into a tombstone (one
 * version up) yet. So the model predicts per *world* — each state the
 * primary may be in when the request reaches it — and an answer must match
 * one of them; the world it matches becomes the model's state.
 */

/** What the primary stores for a key: its latest record. */
export interface Stored {
  version: number;
  /** The value as text, or null for a tombstone (or a key never written: version 0). */
  value: string | null;
  contentType: string;
  expiresAt: number | null;
}

export const NEVER_WRITTEN: Stored = { version: 0, value: null, contentType: "", expiresAt: null };

/** A state the primary may be in when a request reaches it. */
export interface World {
  stored: Stored;
  /** Whether the value is live at the moment the request is decided. */
  live: boolean;
}

/** How far the worker's clock may be from the test's around one request. */
export const CLOCK_SLACK_MS = 30;

/** An expired value as the primary's alarm leaves it: a tombstone one version up. */
function tombstoneOf(stored: Stored): Stored {
  return { ...stored, version: stored.version + 1, value: null, expiresAt: null };
}

/** The worlds a request sent at `sentAt` and answered at `answeredAt` may have met. */
export function worldsBetween(stored: Stored, sentAt: number, answeredAt: number): World[] {
  if (stored.value === null) return [{ stored, live: false }];
  if (stored.expiresAt === null || stored.expiresAt > answeredAt + CLOCK_SLACK_MS) return [{ stored, live: true }];
  const expired: World[] = [
    { stored, live: false },
    { stored: tombstoneOf(stored), live: false },
  ];
  return stored.expiresAt <= sentAt - CLOCK_SLACK_MS ? expired : [{ stored, live: true }, ...expired];
}

/** A write's precondition: `If-Match` (a version or `*`) and `If-None-Match: *`. */
export interface Preconditions {
  ifMatch?: number | "*";
  ifNoneMatch?: true;
}

export type Operation =
  | { kind: "get"; ifNoneMatch?: number }
  | ({
      kind: "put";
      value: string;
      contentType: string;
      ttlMs: number | null;
      /** The expiry the primary gave the value (its commit time plus the TTL), from its answer. */
      expiresAt?: number | null;
    } & Preconditions)
  | ({ kind: "delete" } & Preconditions)
  | ({ kind: "incr"; by: number } & Preconditions);

/** The parts of an answer the model predicts; a field left out is not compared. */
export interface Answer {
  status: number;
  version?: number;
  value?: string | null;
  contentType?: string;
  expiresAt?: number | null;
  currentVersion?: number;
  counter?: number;
}

const INTEGER = /^-?(0|[1-9]\d*)$/;

/** The counter a value holds (decimal text, surrounding whitespace allowed, within ±(2^53 − 1)), or null. */
export function counterOf(value: string): number | null {
  const text = value.trim();
  if (!INTEGER.test(text)) return null;
  const counter = Number(text);
  return Number.isSafeInteger(counter) ? counter : null;
}

/** What an operation answers in a world, and what the primary stores after it. */
export function predict({ stored, live }: World, op: Operation): { answer: Answer; next: Stored } {
  if (op.kind === "get") {
    if (live && op.ifNoneMatch === stored.version) return { answer: { status: 304, version: stored.version }, next: stored };
    const answer: Answer = live
      ? { status: 200, version: stored.version, value: stored.value, contentType: stored.contentType, expiresAt: stored.expiresAt }
      : { status: 404, version: stored.version };
    return { answer, next: stored };
  }
  const refuse = (status: number) => ({
    answer: status === 412 ? { status, currentVersion: stored.version } : { status },
    next: stored,
  });
  if (op.ifMatch !== undefined && (!live || (op.ifMatch !== "*" && op.ifMatch !== stored.version))) return refuse(412);
  if (op.ifNoneMatch && live) return refuse(412);
  const version = stored.version + 1;
  switch (op.kind) {
    case "put":
      return { answer: { status: 200, version }, next: { version, value: op.value, contentType: op.contentType, expiresAt: op.expiresAt ?? null } };
    case "delete":
      if (!live) return refuse(404);
      return { answer: { status: 200, version }, next: { ...stored, version, value: null, expiresAt: null } };
    case "incr": {
      const previous = live ? counterOf(stored.value!) : 0;
      const counter = previous === null ? Number.NaN : previous + op.by;
      if (!Number.isSafeInteger(counter)) return refuse(409);
      const next: Stored = {
        version,
        value: String(counter),
        contentType: live ? stored.contentType : "text/plain; charset=utf-8",
        expiresAt: live ? stored.expiresAt : null,
      };
      return { answer: { status: 200, version, counter }, next };
    }
  }
}

/** Whether an observed answer agrees with a predicted one on every field predicted. */
export function agrees(predicted: Answer, observed: Answer): boolean {
  return (Object.keys(predicted) as (keyof Answer)[]).every((field) => predicted[field] === observed[field]);
}

/**
 * Judges an observed answer: the world it agrees with (the first, which
 * keeps an expired value's tombstone still possible) and the state after it,
 * or null when no world predicts it.
 */
export function explain(stored: Stored, sentAt: number, answeredAt: number, op: Operation, observed: Answer): { next: Stored; world: World } | null {
  for (const world of worldsBetween(stored, sentAt, answeredAt)) {
    const { answer, next } = predict(world, op);
    if (agrees(answer, observed)) return { next, world };
  }
  return null;
}

/** Every answer the model would accept, for a failure message. */
export function expectedAnswers(stored: Stored, sentAt: number, answeredAt: number, op: Operation): Answer[] {
  return worldsBetween(stored, sentAt, answeredAt).map((world) => predict(world, op).answer);
}

/**
 * Whether a copy some tier served may be one the primary held: a version it
 * committed with that value, never expired when served; or a 404 for a key
 * never written, a delete's or an expiry's tombstone, or an expired value.
 */
export function couldHaveServed(history: ReadonlyMap<number, Stored>, observed: Answer, times: { sentAt: number; answeredAt: number }): boolean {
  const version = observed.version ?? -1;
  const held = history.get(version);
  if (observed.status === 200) {
    if (!held || held.value === null) return false;
    const unexpired = held.expiresAt === null || held.expiresAt > times.sentAt - CLOCK_SLACK_MS;
    return unexpired && held.value === observed.value && held.contentType === observed.contentType && held.expiresAt === observed.expiresAt;
  }
  if (observed.status !== 404) return false;
  const expired = (record: Stored | undefined) =>
    record?.value != null && record.expiresAt !== null && record.expiresAt <= times.answeredAt + CLOCK_SLACK_MS;
  return version === 0 || held?.value === null || expired(held) || (held === undefined && expired(history.get(version - 1)));
}
