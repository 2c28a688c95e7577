import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { KeyPrimary } from "../../durable-objects/key-primary";
import type { WriteOutcome } from "../../durable-objects/write";
import { abortObject, ackedVersions, attachNetwork, every, faultsOf, settles, instantNetwork, storedAlarm, wipeObject } from "./fault-helpers";
import { call, heldVersions, inside, keyPath, placement, putText, replicate, text, uniqueRef } from "./helpers";


/** The primary's private parts a fault test reaches into to make its own code fail. */
type PrimaryInternals = {
  replication: { acknowledge: (...args: unknown[]) => void };
  replicatePending: () => Promise<void>;
  armBy: (target: number) => Promise<void>;
  keepArmed: (stored: unknown) => Promise<void>;
};

/** Runs the primary's alarm until every region holds `version`, as pushes that back off become due. */
async function converge(ref: ReturnType<typeof uniqueRef>, version: number): Promise<void> {
  await vi.waitFor(
    async () => {
      await replicate(ref);
      expect(await heldVersions(ref)).toEqual(every(version));
      expect(await ackedVersions(ref)).toEqual(every(version));
    },
    { timeout: 15_000, interval: 25 },
  );
}

describe("faults a replica survives", () => {
  it("retries lost pushes with backoff until every region acknowledges, with no later write", async () => {
    const ref = uniqueRef("lost");
    const faults = faultsOf({ dropShare: 1 });
    const network = instantNetwork(faults);
    await putText(ref, "v1", "weur");
    await attachNetwork(ref, network);

    expect(await replicate(ref)).toBe(true);
    expect(await heldVersions(ref)).toEqual(every(null));
    const status = await placement.primary(ref).replicationStatus();
    expect(status.regions.every((r) => r.ackedVersion === 0 && r.failures >= 1)).toBe(true);
    expect(network.injected.dropped).toBeGreaterThanOrEqual(placement.regions.length);

    // The failed pass armed the retries itself: neither a write nor the test runs another alarm.
    faults.dropShare = 0;
    await settles(ref, 1);
    expect((await placement.primary(ref).replicationStatus()).regions.every((r) => r.failures === 0)).toBe(true);
  });

  it("never moves a copy back when the primary's pushes arrive twice and a stale one arrives after a newer one", async () => {
    const ref = uniqueRef("echo");
    const faults = faultsOf({ delayMs: 60, duplicateShare: 1, reorderShare: 1 });
    const network = instantNetwork(faults);
    await putText(ref, "v1", "enam");
    await attachNetwork(ref, network);
    const ignoredBefore = await ignoredAcrossRegions(ref);

    await replicate(ref);
    await putText(ref, "v2", "enam");
    await replicate(ref);
    expect(await heldVersions(ref)).toEqual(every(2));
    // Let the late copies of v1 (and of v2) land after v2.
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(await heldVersions(ref)).toEqual(every(2));
    for (const region of placement.regions) {
      expect(text((await placement.replica(region, ref).read(ref)).record.value)).toBe("v2");
    }
    expect(network.injected.duplicated).toBe(2 * placement.regions.length);
    expect(network.injected.reordered).toBe(2 * placement.regions.length);
    // Every copy was delivered and refused: 2 duplicates and 2 late copies per region.
    expect((await ignoredAcrossRegions(ref)) - ignoredBefore).toBeGreaterThanOrEqual(4 * placement.regions.length);
  });

  it("replicates a write that committed while a delayed push was on its way", async () => {
    const ref = uniqueRef("delayed");
    const faults = faultsOf({ delayShare: 1, delayMs: 80 });
    await putText(ref, "v1", "apac");
    await attachNetwork(ref, instantNetwork(faults));

    const pass = replicate(ref);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await putText(ref, "v2", "apac");
    await pass;
    expect(await heldVersions(ref)).toEqual(every(1));

    // The pass re-armed for v2 as it ended (the write left the alarm to it); the alarm runs by itself.
    faults.delayShare = 0;
    await settles(ref, 2);
  });

  it("does not let a region whose push hangs hold up the alarm, nor the other regions' later writes", async () => {
    const ref = uniqueRef("hung-push");
    const others = (versions: (number | null)[]) => versions.filter((_, i) => placement.regions[i] !== "oc");
    await putText(ref, "v1", "eeur");
    // Every push to oc takes 20 s, far past how long a pass waits for its answers, and past this test's timeout.
    await attachNetwork(ref, instantNetwork(faultsOf({ slow: { oc: 20_000 } })));

    expect(await replicate(ref)).toBe(true);
    const first = await heldVersions(ref);
    expect(others(first)).toEqual(others(every(1)));
    expect(first[placement.regions.indexOf("oc")]).toBeNull();
    // The regions that answered were recorded by the pass that pushed to them, not left to wait for oc.
    expect(others(await ackedVersions(ref))).toEqual(others(every(1)));

    await putText(ref, "v2", "eeur");
    expect(await replicate(ref)).toBe(true);
    expect(others(await heldVersions(ref))).toEqual(others(every(2)));
    expect(others(await ackedVersions(ref))).toEqual(others(every(2)));
    // The push still on its way to oc goes with the instance.
    await abortObject(placement.primary(ref));
  });

  it("keeps its copies when the replica is evicted and restarts", async () => {
    const ref = uniqueRef("evicted");
    await putText(ref, "kept", "afr");
    await replicate(ref);
    const replica = placement.replica("afr", ref);
    await inside(replica, (instance: object) => Object.assign(instance, { marker: "old instance" }));
    await abortObject(replica);

    expect(await inside(placement.replica("afr", ref), (instance: { marker?: string }) => instance.marker)).toBeUndefined();
    const read = await placement.replica("afr", ref).read(ref);
    expect(read.cache).toBe("hit");
    expect(text(read.record.value)).toBe("kept");
  });

  it("never serves an older version from a replica whose storage was lost: a read fills the copy, and the next push refills it", async () => {
    const ref = uniqueRef("wiped");
    await putText(ref, "v1", "weur");
    await replicate(ref);
    await wipeObject(placement.replica("eeur", ref));
    expect(await placement.replica("eeur", ref).heldVersion(ref)).toBeNull();
    // The primary still counts eeur as holding v1: only a read or the next write refills the copy.
    expect(await ackedVersions(ref)).toEqual(every(1));

    const read = await placement.replica("eeur", ref).read(ref, {}, "eeur");
    expect(read.cache).toBe("miss");
    expect(text(read.record.value)).toBe("v1");
    expect(await placement.replica("eeur", ref).heldVersion(ref)).toBe(1);

    await wipeObject(placement.replica("eeur", ref));
    await putText(ref, "v2", "weur");
    await replicate(ref);
    expect(await heldVersions(ref)).toEqual(every(2));
  });

  it("brings a region cut off for a while up to date once it is restored, the retries backing off meanwhile", async () => {
    const ref = uniqueRef("cut");
    const faults = faultsOf({ cut: ["oc"] });
    await putText(ref, "v1", "weur");
    await putText(ref, "v2", "weur");
    const network = instantNetwork(faults);
    await attachNetwork(ref, network);

    await replicate(ref);
    const held = await heldVersions(ref);
    placement.regions.forEach((region, i) => expect(held[i], region).toBe(region === "oc" ? null : 2));
    // Passes go on while the cut lasts; each one fails for oc and backs off further.
    await vi.waitFor(
      async () => {
        await replicate(ref);
        const oc = (await placement.primary(ref).replicationStatus()).regions.find((r) => r.region === "oc")!;
        expect(oc.failures).toBeGreaterThanOrEqual(3);
      },
      { timeout: 10_000, interval: 25 },
    );
    expect(network.injected.cutOff).toBeGreaterThanOrEqual(3);

    faults.cut = [];
    await converge(ref, 2);
  });
});

describe("faults a primary survives", () => {
  it("replicates after being aborted in the middle of a push", async () => {
    const ref = uniqueRef("abort-mid-push");
    const faults = faultsOf({ delayShare: 1, delayMs: 300 });
    await putText(ref, "acknowledged", "sam");
    await attachNetwork(ref, instantNetwork(faults));

    const pass = runDurableObjectAlarm(placement.primary(ref)).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await abortObject(placement.primary(ref), "aborted while pushing");
    expect(await pass).toMatchObject({ durableObjectReset: true });
    expect(await heldVersions(ref)).toEqual(every(null));

    // The restarted object has no network attached, and its constructor armed the pushes again.
    expect(await storedAlarm(placement.primary(ref))).not.toBeNull();
    await converge(ref, 1);
  });

  it("re-arms itself when an alarm pass throws, and the next pass acknowledges what the failed one pushed", async () => {
    const ref = uniqueRef("alarm-throws");
    await putText(ref, "v1", "eeur");
    let thrown = 0;
    await inside(placement.primary(ref), (instance: PrimaryInternals) => {
      const acknowledge = instance.replication.acknowledge.bind(instance.replication);
      instance.replication.acknowledge = (...args) => {
        if (thrown > 0) return acknowledge(...args);
        thrown++;
        throw new Error("storage failed while recording an acknowledgement");
      };
    });

    expect(await replicate(ref)).toBe(true);
    expect(thrown).toBe(1);
    expect(await heldVersions(ref)).toEqual(every(1));

    // The pass re-armed itself after a backoff (at most 50 ms, so it may already have run): that
    // alarm pushes again and records every acknowledgement, with no write and no alarm run by the test.
    await settles(ref, 1);
    expect(await storedAlarm(placement.primary(ref))).toBeNull();
  });

  it("has a lost alarm re-armed by the next read, even while the object lives on", async () => {
    const ref = uniqueRef("alarm-deleted");
    await putText(ref, "pending", "wnam");
    const primary = placement.primary(ref);
    await inside(primary, (_instance: KeyPrimary, state) => state.storage.deleteAlarm());
    expect(await storedAlarm(primary)).toBeNull();

    await primary.read(ref);
    expect(await storedAlarm(primary)).not.toBeNull();
    await converge(ref, 1);
  });

  it("has an alarm that failed past re-arming re-armed by the next write, even one refused", async () => {
    const ref = uniqueRef("alarm-failed");
    await putText(ref, "pending", "me");
    await inside(placement.primary(ref), (instance: PrimaryInternals) => {
      const armBy = instance.armBy.bind(instance);
      let failing = true;
      instance.replicatePending = async () => {
        throw new Error("replication pass failed");
      };
      instance.armBy = async (target) => {
        if (!failing) return armBy(target);
        failing = false;
        throw new Error("storage failed while setting the alarm");
      };
    });
    // The test runner deletes the alarm before running it and never retries it: the alarm is gone.
    await expect(replicate(ref)).rejects.toThrow("storage failed while setting the alarm");
    expect(await storedAlarm(placement.primary(ref))).toBeNull();

    const refused = (await placement.primary(ref).write({ ref, op: { kind: "delete" }, ifMatch: 7 }, "me")) as WriteOutcome;
    expect(refused).toMatchObject({ ok: false, code: "precondition_failed", currentVersion: 1 });
    expect(await storedAlarm(placement.primary(ref))).not.toBeNull();

    await abortObject(placement.primary(ref));
    await converge(ref, 1);
  });
});

describe("Durable Object calls retried", () => {
  /**
   * Makes the primary's next write commit and then fail, as a write whose
   * answer was lost does, with an error Cloudflare marks retryable.
   */
  async function loseNextAnswer(ref: ReturnType<typeof uniqueRef>): Promise<void> {
    await inside(placement.primary(ref), (instance: PrimaryInternals) => {
      const keepArmed = instance.keepArmed.bind(instance);
      let lost = false;
      instance.keepArmed = async (stored) => {
        if (lost) return keepArmed(stored);
        lost = true;
        throw Object.assign(new Error("the answer was lost on its way"), { retryable: true });
      };
    });
  }

  it("retries a write carrying an Idempotency-Key through a fresh stub, and applies it once", async () => {
    const ref = uniqueRef("idempotent-retry");
    await putText(ref, "first", "enam");
    await loseNextAnswer(ref);

    const answer = await call(keyPath(ref.key), { method: "PUT", body: "second", headers: { "Idempotency-Key": "retry-1" } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await answer.json()).toMatchObject({ version: 2 });
    expect((await placement.primary(ref).read(ref)).record.version).toBe(2);
  });

  it("does not retry a write without an Idempotency-Key: 503, and it was applied once", async () => {
    const ref = uniqueRef("plain-no-retry");
    await putText(ref, "first", "enam");
    await loseNextAnswer(ref);

    const answer = await call(keyPath(ref.key), { method: "PUT", body: "second" });
    expect(answer.status).toBe(503);
    expect(answer.headers.get("Retry-After")).toBe("1");
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("unavailable");
    expect((await placement.primary(ref).read(ref)).record.version).toBe(2);
  });
});

async function ignoredAcrossRegions(ref: ReturnType<typeof uniqueRef>): Promise<number> {
  const stats = await Promise.all(placement.regions.map((region) => placement.replica(region, ref).stats()));
  return stats.reduce((sum, s) => sum + s.ignored, 0);
}
