import { NO_FAULTS, type Faults } from "../../durable-objects/geo-sim/faults";
import type { LatencyMatrix } from "../../durable-objects/geo-sim/latency-matrix";
import { SimulatedNetwork } from "../../durable-objects/geo-sim/network";
import type { KeyPrimary } from "../../durable-objects/key-primary";
import type { KeyRef } from "../../durable-objects/record";
import { LOCATION_HINTS } from "../../durable-objects/topology";
import { expect, vi } from "vitest";
import { heldVersions, inside, placement } from "./helpers";

/**
 * A seeded pseudo-random generator (mulberry32): the same seed draws the
 * same numbers, so a failing run can be replayed.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Faults to change in place during a test: those given, none of the others. */
export function faultsOf(given: Partial<Faults>): Faults {
  return { ...NO_FAULTS, cut: [], slow: {}, ...given };
}

/**
 * The geo simulation's network with no distance: every hop takes 0 ms, so
 * only the injected `faults` (read live, so a test changes them in place)
 * shape how replication messages travel.
 */
export function instantNetwork(faults: Faults = faultsOf({}), random: () => number = Math.random): SimulatedNetwork {
  const row = Object.fromEntries(LOCATION_HINTS.map((to) => [to, 0]));
  const matrix = Object.fromEntries(LOCATION_HINTS.map((from) => [from, { ...row }])) as LatencyMatrix;
  return new SimulatedNetwork(matrix, 0, async () => faults, random);
}

/**
 * Every hop between two regions takes `oneWayMs`, and one within a region
 * none (so a write from the key's home arrives at once); `faults.slow` adds
 * to the hops into and out of a region.
 */
export function uniformNetwork(oneWayMs: number, faults: Faults = faultsOf({})): SimulatedNetwork {
  const matrix = Object.fromEntries(
    LOCATION_HINTS.map((from) => [from, Object.fromEntries(LOCATION_HINTS.map((to) => [to, from === to ? 0 : 2 * oneWayMs]))]),
  ) as LatencyMatrix;
  return new SimulatedNetwork(matrix, 0, async () => faults);
}

/**
 * Puts the key's primary behind `network` until the object restarts (a new
 * instance has none). Answers whether it was not behind it already: true
 * for a primary that never had it, or that restarted since.
 */
export async function attachNetwork(ref: KeyRef, network: SimulatedNetwork): Promise<boolean> {
  return inside(placement.primary(ref), (instance: KeyPrimary) => {
    const attachedNow = (instance as unknown as { network: SimulatedNetwork | null }).network !== network;
    Object.assign(instance, { network });
    return attachedNow;
  });
}

/** Aborts the object behind `stub` as a crash would: memory is gone, storage stays. */
export async function abortObject(stub: DurableObjectStub<never> | DurableObjectStub, reason = "aborted by a fault test"): Promise<void> {
  await inside(stub, (_instance: unknown, state) => state.abort(reason)).catch(() => {});
}

/** Loses the object's storage (every row, table and alarm), then aborts it so it restarts on nothing. */
export async function wipeObject(stub: DurableObjectStub<never> | DurableObjectStub): Promise<void> {
  await inside(stub, async (_instance: unknown, state) => {
    await state.storage.deleteAlarm();
    await state.storage.deleteAll();
  });
  await abortObject(stub, "storage lost in a fault test");
}

/** The alarm the object has in storage, or null. */
export function storedAlarm(stub: DurableObjectStub<never> | DurableObjectStub): Promise<number | null> {
  return inside(stub, (_instance: unknown, state) => state.storage.getAlarm());
}

/** The primary's acknowledged version per configured region, in `placement.regions` order. */
export async function ackedVersions(ref: KeyRef): Promise<number[]> {
  return (await placement.primary(ref).replicationStatus()).regions.map((region) => region.ackedVersion);
}

/** One value per configured region, in `placement.regions` order. */
export const every = <T>(value: T): T[] => placement.regions.map(() => value);

/**
 * Waits, with no help from the test (no alarm run for it), until every region
 * holds `version` and the primary has recorded every acknowledgement.
 */
export async function settles(ref: KeyRef, version: number): Promise<void> {
  await vi.waitFor(
    async () => {
      expect(await heldVersions(ref)).toEqual(every(version));
      expect(await ackedVersions(ref)).toEqual(every(version));
    },
    { timeout: 15_000, interval: 25 },
  );
}
