import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { placementFor } from "../../durable-objects/placement";
import type { ConfirmedRecord, KeyRef } from "../../durable-objects/record";
import { DEFAULT_NAMESPACE, type Region } from "../../durable-objects/topology";
import type { WriteOutcome, WriteRequest } from "../../durable-objects/write";

export const placement = placementFor(env);

/** A key no other test uses. */
export function uniqueRef(label: string): KeyRef {
  return { namespace: DEFAULT_NAMESPACE, key: `${label}-${crypto.randomUUID()}` };
}

export function bytes(text: string): ArrayBuffer {
  return new TextEncoder().encode(text).buffer as ArrayBuffer;
}

export function text(buffer: ArrayBuffer | null): string | null {
  return buffer === null ? null : new TextDecoder().decode(buffer);
}

/** A record as the primary would push it. */
export function pushed(ref: KeyRef, version: number, value: string | null, confirmedAt = Date.now()): ConfirmedRecord {
  return {
    ...ref,
    version,
    value: value === null ? null : bytes(value),
    contentType: "text/plain",
    committedAt: confirmedAt,
    confirmedAt,
    expiresAt: null,
  };
}

/** Runs the primary's alarm now: its pending pushes happen before this returns. */
export function replicate(ref: KeyRef): Promise<boolean> {
  return runDurableObjectAlarm(placement.primary(ref));
}

/** The version every configured region's replica holds for a key (null where none). */
export async function heldVersions(ref: KeyRef): Promise<(number | null)[]> {
  return Promise.all(placement.regions.map((region) => placement.replica(region, ref).heldVersion(ref)));
}

/** A request through the worker's own fetch handler. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`https://geocache.test${path}`, init));
}

export function keyPath(key: string): string {
  return `/v1/keys/${encodeURIComponent(key)}`;
}

/** Runs `callback` inside the object behind `stub`, with the instance typed as its class. */
export function inside<T, R>(
  stub: DurableObjectStub<never> | DurableObjectStub,
  callback: (instance: T, state: DurableObjectState) => R | Promise<R>,
): Promise<R> {
  return runInDurableObject(stub as DurableObjectStub, (instance, state) => callback(instance as unknown as T, state));
}

/** A write straight to the key's primary; throws unless it was applied. */
export async function write(request: WriteRequest, region: Region = "enam"): Promise<Extract<WriteOutcome, { ok: true }>> {
  const outcome = (await placement.primary(request.ref, region).write(request, region)) as WriteOutcome;
  if (!outcome.ok) throw new Error(`write refused: ${outcome.code} at version ${outcome.currentVersion}`);
  return outcome;
}

/** Stores a text value at the key's primary and answers its version. */
export async function putText(ref: KeyRef, text: string, region: Region = "enam", ttlMs: number | null = null): Promise<number> {
  return (await write({ ref, op: { kind: "put", value: bytes(text), contentType: "text/plain", ttlMs } }, region)).version;
}

/** Deletes at the key's primary; answers the tombstone's version, or null when there was nothing to delete. */
export async function deleteKey(ref: KeyRef): Promise<number | null> {
  const outcome = (await placement.primary(ref).write({ ref, op: { kind: "delete" } }, "enam")) as WriteOutcome;
  return outcome.ok ? outcome.version : null;
}
