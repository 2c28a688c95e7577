import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { KeyPrimary } from "../../durable-objects/key-primary";
import { PUSH_PRESUMED_LOST_MS, PushesInFlight } from "../../durable-objects/replication";
import { bytes, call, deleteKey, inside, putText, heldVersions, keyPath, placement, replicate, text, uniqueRef } from "./helpers";

describe("KeyPrimary", () => {
  it("assigns versions 1, 2, 3 to writes and deletes, and keeps a tombstone", async () => {
    const ref = uniqueRef("versions");
    const primary = placement.primary(ref, "weur");
    expect(await putText(ref, "a", "weur")).toBe(1);
    expect(await putText(ref, "b", "weur")).toBe(2);
    expect(await deleteKey(ref)).toBe(3);

    const { record, homeRegion } = await primary.read(ref);
    expect(record.version).toBe(3);
    expect(record.value).toBeNull();
    expect(homeRegion).toBe("weur");

    expect(await deleteKey(ref)).toBeNull();
    expect(await putText(ref, "c", "enam")).toBe(4);
    expect((await primary.read(ref)).homeRegion).toBe("weur");
  });

  it("makes the region of the first request its home, a read's when the key is read before it is written", async () => {
    const readFirst = uniqueRef("home-read-first");
    expect(await call(keyPath(readFirst.key), { headers: { "X-Region": "oc", "X-Consistency": "strong" } })).toMatchObject({ status: 404 });
    const written = await placement.primary(readFirst, "weur").write({ ref: readFirst, op: { kind: "put", value: bytes("v"), contentType: "text/plain", ttlMs: null } }, "weur");
    expect(written).toMatchObject({ ok: true, version: 1, homeRegion: "oc" });
    const strong = await call(keyPath(readFirst.key), { headers: { "X-Region": "weur", "X-Consistency": "strong" } });
    expect([strong.status, strong.headers.get("X-Region"), await strong.text()]).toEqual([200, "oc", "v"]);

    // A miss at a replica reaches the primary from the replica's region.
    const missFirst = uniqueRef("home-miss-first");
    expect((await call(keyPath(missFirst.key), { headers: { "X-Region": "apac", "X-Consistency": "eventual" } })).status).toBe(404);
    expect(await putText(missFirst, "w", "enam")).toBe(1);
    expect((await placement.primary(missFirst).read(missFirst)).homeRegion).toBe("apac");
  });

  it("answers a key never written as absent, at version 0", async () => {
    const ref = uniqueRef("absent");
    const { record, homeRegion } = await placement.primary(ref).read(ref);
    expect(record).toMatchObject({ version: 0, value: null });
    expect(homeRegion).toBeNull();
  });

  it("reads storage on every read, never a copy in memory", async () => {
    const ref = uniqueRef("storage");
    const primary = placement.primary(ref);
    await putText(ref, "written", "enam");
    await inside(primary, (_instance: KeyPrimary, state) => {
      state.storage.sql.exec("UPDATE entry SET value = ? WHERE id = 1", bytes("changed in storage"));
    });
    expect(text((await primary.read(ref)).record.value)).toBe("changed in storage");
  });

  it("gives concurrent writes to one key distinct versions, and the highest wins", async () => {
    const ref = uniqueRef("concurrent");
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(keyPath(ref.key), { method: "PUT", body: `writer ${i}` }).then(async (response) => ({
          writer: i,
          ...((await response.json()) as { version: number }),
        })),
      ),
    );
    const versions = answers.map((answer) => answer.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

    const winner = answers.find((answer) => answer.version === 20)!;
    const strong = await call(keyPath(ref.key), { headers: { "X-Consistency": "strong" } });
    expect(strong.headers.get("X-Version")).toBe("20");
    expect(await strong.text()).toBe(`writer ${winner.writer}`);
  });

  it("replicates from its alarm to every region, and records each acknowledgement", async () => {
    const ref = uniqueRef("alarm");
    const primary = placement.primary(ref);
    await putText(ref, "v1", "enam");
    expect(await heldVersions(ref)).toEqual(placement.regions.map(() => null));
    expect((await primary.replicationStatus()).regions.every((r) => r.ackedVersion === 0)).toBe(true);

    expect(await replicate(ref)).toBe(true);
    expect(await heldVersions(ref)).toEqual(placement.regions.map(() => 1));
    const status = await primary.replicationStatus();
    expect(status.version).toBe(1);
    expect(status.regions.map((r) => r.ackedVersion)).toEqual(placement.regions.map(() => 1));
    // Nothing is pending, so no alarm is left armed.
    expect(await replicate(ref)).toBe(false);
  });

  it("coalesces a burst of writes into one push of the latest record", async () => {
    const ref = uniqueRef("burst");
    const primary = placement.primary(ref);
    for (let i = 1; i <= 5; i++) await putText(ref, `v${i}`, "apac");
    expect(await replicate(ref)).toBe(true);
    expect(await heldVersions(ref)).toEqual(placement.regions.map(() => 5));
    const replica = placement.replica("oc", ref);
    expect(text((await replica.read(ref)).record.value)).toBe("v5");
    expect(await replicate(ref)).toBe(false);
  });

  it("still replicates a write acknowledged just before the primary was reset", async () => {
    const ref = uniqueRef("reset");
    const before = placement.primary(ref);
    expect(await putText(ref, "acknowledged", "sam")).toBe(1);
    await inside(before, (instance: KeyPrimary) => {
      (instance as unknown as { marker: string }).marker = "old instance";
    });
    await inside(before, (_instance: KeyPrimary, state) => state.abort("reset in test")).catch(() => {});

    const after = placement.primary(ref);
    const marker = await inside(after, (instance: KeyPrimary) => (instance as unknown as { marker?: string }).marker);
    expect(marker).toBeUndefined();
    expect(await runDurableObjectAlarm(after)).toBe(true);
    expect(await heldVersions(ref)).toEqual(placement.regions.map(() => 1));
  });

  it("re-arms a lost alarm when the object next starts, so pending pushes still happen", async () => {
    const ref = uniqueRef("lost-alarm");
    const primary = placement.primary(ref);
    await putText(ref, "pending", "me");
    await inside(primary, async (_instance: KeyPrimary, state) => {
      await state.storage.deleteAlarm();
    });
    await inside(primary, (_instance: KeyPrimary, state) => state.abort("reset in test")).catch(() => {});

    expect(await heldVersions(ref)).toEqual(placement.regions.map(() => null));

    // Waking the object is enough: its constructor arms an alarm for the pending pushes.
    await placement.primary(ref).read(ref);
    await vi.waitFor(async () => expect(await heldVersions(ref)).toEqual(placement.regions.map(() => 1)), {
      timeout: 5_000,
    });
  });

  it("replicates a delete as a tombstone that replicas then serve as 404", async () => {
    const ref = uniqueRef("delete");
    const primary = placement.primary(ref);
    await putText(ref, "here", "afr");
    await replicate(ref);
    await deleteKey(ref);
    await replicate(ref);
    expect(await heldVersions(ref)).toEqual(placement.regions.map(() => 2));
    const answer = await call(keyPath(ref.key), { headers: { "X-Region": "eeur" } });
    expect(answer.status).toBe(404);
    expect(answer.headers.get("X-Served-By")).toBe("replica");
    expect(answer.headers.get("X-Cache")).toBe("HIT");
  });
});

describe("PushesInFlight", () => {
  it("keeps one push per region on its way until its own answer, and presumes a push unanswered for 30 s lost", () => {
    let now = 1_000;
    const pushes = new PushesInFlight(() => now);
    const first = pushes.start("oc");
    expect(pushes.inFlight("oc")).toBe(true);
    expect(pushes.inFlight("weur")).toBe(false);
    expect(pushes.any()).toBe(true);

    now += PUSH_PRESUMED_LOST_MS - 1;
    expect(pushes.inFlight("oc")).toBe(true);
    now += 1;
    expect(pushes.inFlight("oc")).toBe(false);
    expect(pushes.any()).toBe(false);

    // The region is pushed to again; the lost push's late answer neither frees it nor counts as the latest.
    const second = pushes.start("oc");
    pushes.answered("oc", first);
    expect(pushes.isLatest("oc", first)).toBe(false);
    expect(pushes.inFlight("oc")).toBe(true);
    pushes.answered("oc", second);
    expect(pushes.inFlight("oc")).toBe(false);
    expect(pushes.isLatest("oc", second)).toBe(true);
  });
});
