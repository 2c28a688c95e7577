import { describe, expect, it, vi } from "vitest";
import type { KeyRef } from "../../durable-objects/record";
import { PUSH_PRESUMED_LOST_MS } from "../../durable-objects/replication";
import type { Region } from "../../durable-objects/topology";
import { abortObject, ackedVersions, attachNetwork, every, faultsOf, settles, storedAlarm, uniformNetwork } from "./fault-helpers";
import { heldVersions, inside, placement, putText, replicate, uniqueRef } from "./helpers";

/** Lets the key's primary push as soon as a write commits, as it does where `REPLICATION_DELAY_MS` is 0. */
async function pushOnWrite(ref: KeyRef): Promise<void> {
  await inside(placement.primary(ref), (instance: object) => Object.assign(instance, { replicationDelay: () => 0 }));
}

/** The acknowledged version of each region as the primary's table holds it (what a restarted instance would know). */
function savedAcks(ref: KeyRef): Promise<number[]> {
  return inside(placement.primary(ref), (_instance: unknown, state) =>
    placement.regions.map(
      (region) =>
        state.storage.sql.exec<{ acked_version: number }>("SELECT acked_version FROM replication WHERE region = ?", region).toArray()[0]
          ?.acked_version ?? 0,
    ),
  );
}

/** Has the key's primary take every write as one of a key written often, however slowly the test writes. */
async function writtenOften(ref: KeyRef): Promise<void> {
  await inside(placement.primary(ref), (instance: object) => Object.assign(instance, { sparseWriteGap: () => Number.POSITIVE_INFINITY }));
}

/** A primary created (by a read) with its pushes starting on write, for a key never written. */
async function freshPrimaryPushingOnWrite(ref: KeyRef, region: Region): Promise<void> {
  await placement.primary(ref).read(ref, region);
  await pushOnWrite(ref);
}

async function heldIn(region: Region, ref: KeyRef): Promise<number | null> {
  return placement.replica(region, ref).heldVersion(ref);
}

async function ackedIn(region: Region, ref: KeyRef): Promise<number> {
  return (await ackedVersions(ref))[placement.regions.indexOf(region)]!;
}

describe("replication fan-out: every region on its own", () => {
  it("gets a second write to a nearby region while the push to a slow region is still on its way", async () => {
    const ref = uniqueRef("head-of-line");
    // A push to oc takes 2 s there and back; to every other region, 20 ms.
    const network = uniformNetwork(10, faultsOf({ slow: { oc: 1_000 } }));
    await putText(ref, "v1", "weur");
    await attachNetwork(ref, network);
    await pushOnWrite(ref);

    const nearby = placement.regions.filter((region) => region !== "oc");
    const nearbyHold = (version: number) =>
      vi.waitFor(async () => expect(await Promise.all(nearby.map((region) => heldIn(region, ref)))).toEqual(nearby.map(() => version)), {
        timeout: 1_500,
        interval: 5,
      });
    expect(await putText(ref, "v2", "weur")).toBe(2);
    await nearbyHold(2);
    expect(await putText(ref, "v3", "weur")).toBe(3);
    await nearbyHold(3);
    // oc's push of v2 has not been answered yet, and nothing waited for it.
    expect(await ackedIn("oc", ref)).toBeLessThan(2);

    await settles(ref, 3);
  }, 20_000);

  it("sends a region the newest record as soon as its push is answered, without waiting for the alarm's pass to end", async () => {
    const ref = uniqueRef("follow-on");
    // Every push is 0.3 s on its way and 0.3 s back, so a write lands while one is in flight; oc's take 1 s more each way.
    const network = uniformNetwork(300, faultsOf({ slow: { oc: 1_000 } }));
    await putText(ref, "v1", "apac");
    await attachNetwork(ref, network);

    let passEnded = false;
    const pass = replicate(ref).then(() => (passEnded = true));
    await vi.waitFor(async () => expect(await heldIn("me", ref)).toBe(1), { timeout: 2_000, interval: 5 });
    expect(await putText(ref, "v2", "apac")).toBe(2);

    // The push of v1 to me is answered 0.3 s after it arrived; v2 follows at once, while oc's push of v1 is on its way.
    await vi.waitFor(async () => expect(await heldIn("me", ref)).toBe(2), { timeout: 3_000, interval: 10 });
    expect(passEnded).toBe(false);
    expect(await ackedIn("oc", ref)).toBe(0);
    await pass;
    await settles(ref, 2);
  }, 20_000);

  it("pushes a write to every region at once when no delay is configured, and records each acknowledgement", async () => {
    const ref = uniqueRef("on-write");
    await putText(ref, "v1", "eeur");
    await pushOnWrite(ref);

    expect(await putText(ref, "v2", "eeur")).toBe(2);
    await settles(ref, 2);
    expect((await placement.primary(ref).replicationStatus()).regions.every((region) => region.failures === 0)).toBe(true);
  });

  it("holds a write back until its alarm while a delay is configured", async () => {
    const ref = uniqueRef("held-back");
    await putText(ref, "v1", "wnam");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await heldVersions(ref)).toEqual(every(null));
    expect(await storedAlarm(placement.primary(ref))).toBeGreaterThan(Date.now() + 60_000);

    expect(await replicate(ref)).toBe(true);
    expect(await heldVersions(ref)).toEqual(every(1));
  });

  it("keeps an alarm armed behind pushes in flight, which pushes them again when the instance was lost with them", async () => {
    const ref = uniqueRef("evicted-mid-push");
    await putText(ref, "v1", "sam");
    await attachNetwork(ref, uniformNetwork(2_000, faultsOf({})));
    await pushOnWrite(ref);

    const writtenAt = Date.now();
    expect(await putText(ref, "v2", "sam")).toBe(2);
    const alarm = await storedAlarm(placement.primary(ref));
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(Date.now() + PUSH_PRESUMED_LOST_MS);
    expect(alarm!).toBeGreaterThanOrEqual(writtenAt);
    await abortObject(placement.primary(ref), "evicted while pushing");
    expect(await ackedVersions(ref)).not.toEqual(every(2));

    // The restarted object has no network attached; only the alarm left behind (run now, not when due) pushes v2.
    expect(await replicate(ref)).toBe(true);
    await settles(ref, 2);
  }, 20_000);

  it("backs a failing region off on its own while the others take every write at once", async () => {
    const ref = uniqueRef("one-region-down");
    const faults = faultsOf({ cut: ["afr"] });
    await putText(ref, "v1", "weur");
    await attachNetwork(ref, uniformNetwork(0, faults));
    await pushOnWrite(ref);

    for (const version of [2, 3, 4]) {
      expect(await putText(ref, `v${version}`, "weur")).toBe(version);
      const up = placement.regions.filter((region) => region !== "afr");
      await vi.waitFor(async () => expect(await Promise.all(up.map((region) => heldIn(region, ref)))).toEqual(up.map(() => version)), {
        timeout: 2_000,
        interval: 5,
      });
    }
    const afr = (await placement.primary(ref).replicationStatus()).regions.find((region) => region.region === "afr")!;
    expect(afr.ackedVersion).toBe(0);
    expect(afr.failures).toBeGreaterThanOrEqual(1);
    expect(await heldIn("afr", ref)).toBeNull();

    faults.cut = [];
    await settles(ref, 4);
  }, 20_000);
  it("clears the backstop of a write to a key quiet for a second before it once every region has it, saving the acknowledgements in that commit", async () => {
    const ref = uniqueRef("quiet-key");
    await freshPrimaryPushingOnWrite(ref, "eeur");
    expect(await putText(ref, "v1", "eeur")).toBe(1);
    await vi.waitFor(async () => expect(await storedAlarm(placement.primary(ref))).toBeNull(), { timeout: 2_000, interval: 5 });
    expect(await savedAcks(ref)).toEqual(every(1));
    expect(await heldVersions(ref)).toEqual(every(1));

    // A successor knows every region has v1: it pushes nothing again.
    await abortObject(placement.primary(ref), "evicted after replicating");
    expect(await ackedVersions(ref)).toEqual(every(1));
    expect(await storedAlarm(placement.primary(ref))).toBeNull();
  });

  it("keeps the backstop of a write that follows the key's previous one within a second, for the writes after it to share", async () => {
    const ref = uniqueRef("dense-key");
    await freshPrimaryPushingOnWrite(ref, "oc");
    expect(await putText(ref, "v1", "oc")).toBe(1);
    expect(await putText(ref, "v2", "oc")).toBe(2);
    await settles(ref, 2);
    expect(await storedAlarm(placement.primary(ref))).not.toBeNull();
    expect(await savedAcks(ref)).not.toEqual(every(2));
  });

  it("moves the backstop of a write to a quiet key to the value's expiry rather than firing before it", async () => {
    const ref = uniqueRef("quiet-key-ttl");
    await freshPrimaryPushingOnWrite(ref, "weur");
    const writtenAt = Date.now();
    expect(await putText(ref, "expiring", "weur", 3_600_000)).toBe(1);
    await settles(ref, 1);
    await vi.waitFor(async () => expect(await storedAlarm(placement.primary(ref))).toBeGreaterThanOrEqual(writtenAt + 3_600_000), {
      timeout: 2_000,
      interval: 5,
    });
    expect(await savedAcks(ref)).toEqual(every(1));
  });

  it("keeps acknowledgements without a commit of their own: writes leave them unsaved, the alarm backing up the pushes saves them, and what an instance lost unsaved is pushed again", async () => {
    const ref = uniqueRef("acks-unsaved");
    await putText(ref, "v1", "eeur");
    await pushOnWrite(ref);
    await writtenOften(ref);

    expect(await putText(ref, "v2", "eeur")).toBe(2);
    await vi.waitFor(async () => expect(await ackedVersions(ref)).toEqual(every(2)), { timeout: 2_000, interval: 5 });
    // A newer write supersedes them: every region lacks v3 whatever the table says, so its commit does not carry them.
    expect(await putText(ref, "v3", "eeur")).toBe(3);
    await vi.waitFor(async () => expect(await ackedVersions(ref)).toEqual(every(3)), { timeout: 2_000, interval: 5 });
    expect(await savedAcks(ref)).toEqual(every(0));

    // Lost with the instance, v3's acknowledgements are unknown to its successor, whose alarm pushes v3 again.
    await abortObject(placement.primary(ref), "evicted with acknowledgements unsaved");
    expect(await ackedVersions(ref)).toEqual(every(0));
    expect(await replicate(ref)).toBe(true);
    expect(await ackedVersions(ref)).toEqual(every(3));
    expect(await savedAcks(ref)).toEqual(every(3));
    expect(await heldVersions(ref)).toEqual(every(3));

    // The alarm each write arms behind its pushes saves their acknowledgements, so a successor pushes nothing again.
    await pushOnWrite(ref);
    await writtenOften(ref);
    expect(await putText(ref, "v4", "eeur")).toBe(4);
    await vi.waitFor(async () => expect(await ackedVersions(ref)).toEqual(every(4)), { timeout: 2_000, interval: 5 });
    expect(await savedAcks(ref)).toEqual(every(3));
    expect(await replicate(ref)).toBe(true);
    expect(await savedAcks(ref)).toEqual(every(4));
    await abortObject(placement.primary(ref), "evicted with acknowledgements saved");
    expect(await ackedVersions(ref)).toEqual(every(4));
    expect(await replicate(ref)).toBe(false);
  }, 20_000);
});
