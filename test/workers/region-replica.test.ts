import { describe, expect, it } from "vitest";
import type { RegionReplica } from "../../durable-objects/region-replica";
import { ReplicaStore } from "../../durable-objects/replica-store";
import { entryId } from "../../durable-objects/topology";
import { attachNetwork, uniformNetwork } from "./fault-helpers";
import { inside, placement, pushed, putText, replicate, text, uniqueRef } from "./helpers";

const lagSamples = (stats: Awaited<ReturnType<DurableObjectStub<RegionReplica>["stats"]>>) => stats.lag.total.counts.reduce((sum, count) => sum + count, 0);

describe("RegionReplica", () => {
  it("applies a push only when its version is newer than the copy held", async () => {
    const ref = uniqueRef("newer");
    const replica = placement.replica("weur", ref);
    expect(await replica.apply([pushed(ref, 2, "two")])).toEqual([2]);
    expect(await replica.apply([pushed(ref, 1, "one")])).toEqual([2]);
    expect(await replica.apply([pushed(ref, 3, "three")])).toEqual([3]);
    expect(text((await replica.read(ref)).record.value)).toBe("three");
  });

  it("answers pushes of many keys that arrive together, each with the version it holds", async () => {
    const refs = Array.from({ length: 40 }, (_, i) => uniqueRef(`together-${i}`));
    const shard = placement.replica("sam", refs[0]!);
    const sameShard = refs.filter((ref) => placement.replica("sam", ref).id.equals(shard.id));
    expect(sameShard.length).toBeGreaterThan(1);
    await shard.apply([pushed(sameShard[0]!, 5, "held")]);
    const answers = await Promise.all(sameShard.map((ref, i) => shard.apply([pushed(ref, i === 0 ? 4 : i + 1, `v${i}`)])));
    expect(answers).toEqual(sameShard.map((_, i) => [i === 0 ? 5 : i + 1]));
    for (const [i, ref] of sameShard.entries()) expect(await shard.heldVersion(ref)).toBe(i === 0 ? 5 : i + 1);
  });

  it("is unmoved by duplicated and reordered pushes, tombstones included", async () => {
    const ref = uniqueRef("reorder");
    const replica = placement.replica("enam", ref);
    const history = [pushed(ref, 1, "a"), pushed(ref, 2, "b"), pushed(ref, 3, null), pushed(ref, 4, "d")];
    // Every message twice, delivered in reverse order.
    const deliveries = [...history, ...history].reverse();
    for (const record of deliveries) await replica.apply([record]);
    const { record } = await replica.read(ref);
    expect(record.version).toBe(4);
    expect(text(record.value)).toBe("d");

    const late = uniqueRef("late-put");
    const other = placement.replica("enam", late);
    await other.apply([pushed(late, 3, null)]);
    await other.apply([pushed(late, 2, "resurrected?")]);
    expect((await other.read(late)).record).toMatchObject({ version: 3, value: null });

    const stats = await replica.stats();
    expect(stats.applied).toBeGreaterThanOrEqual(1);
    expect(stats.ignored).toBeGreaterThanOrEqual(7);
  });

  it("refreshes only confirmedAt when the same version is pushed again", async () => {
    const ref = uniqueRef("confirm");
    const replica = placement.replica("apac", ref);
    await replica.apply([pushed(ref, 1, "same", 1_000)]);
    await replica.apply([{ ...pushed(ref, 1, "ignored bytes", 5_000) }]);
    const { record } = await replica.read(ref);
    expect(record.confirmedAt).toBe(5_000);
    expect(text(record.value)).toBe("same");
  });

  it("fills a miss from the primary once, however many reads wait for it", async () => {
    const ref = uniqueRef("fill");
    await putText(ref, "from the primary", "oc");
    const replica = placement.replica("afr", ref);
    const before = await replica.stats();

    // Issued inside the object in one turn, so all ten are waiting before the first fill returns.
    const reads = await inside(replica, (instance: RegionReplica) =>
      Promise.all(Array.from({ length: 10 }, () => instance.read(ref))),
    );
    for (const read of reads) {
      expect(read.cache).toBe("miss");
      expect(text(read.record.value)).toBe("from the primary");
    }
    const after = await replica.stats();
    expect(after.forwarded.miss - before.forwarded.miss).toBe(10);
    expect(after.primaryCalls - before.primaryCalls).toBe(1);
    // A key's first copy is no replication: neither an update applied nor a sample of replication lag, however old the write.
    expect(after.applied).toBe(before.applied);
    expect(lagSamples(after)).toBe(lagSamples(before));

    expect((await replica.read(ref)).cache).toBe("hit");
  });

  it("counts a newer version asked of the primary for a read as an update applied, with its lag", async () => {
    const ref = uniqueRef("catch-up");
    await putText(ref, "one", "oc");
    await replicate(ref);
    await putText(ref, "two", "oc");
    const replica = placement.replica("afr", ref);
    const before = await replica.stats();
    const { record, cache } = await replica.read(ref, { minVersion: 2 });
    expect(cache).toBe("forwarded");
    expect(text(record.value)).toBe("two");
    const after = await replica.stats();
    // The region caught up through the read: the push of version 2 will find it held.
    expect(after.applied - before.applied).toBe(1);
    expect(lagSamples(after) - lagSamples(before)).toBe(1);
  });

  it("shares one revalidation among concurrent reads however tight their bound, each vouched for since it began", async () => {
    const ref = uniqueRef("tight-bound");
    await putText(ref, "v", "weur");
    const replica = placement.replica("me", ref);
    await replica.read(ref);
    // 10 ms each way between me and weur: an answer is always older than 0 ms when it arrives.
    const network = uniformNetwork(10);
    await attachNetwork(ref, network);
    const before = await replica.stats();

    const { began, reads } = await inside(replica, async (instance: RegionReplica) => {
      Object.assign(instance, { network });
      const began = Date.now();
      const reads = await Promise.all(Array.from({ length: 10 }, () => instance.read(ref, { maxStalenessMs: 0 }, "me")));
      Object.assign(instance, { network: null });
      return { began, reads };
    });
    for (const read of reads) {
      expect(read.cache).toBe("revalidated");
      expect(read.record.confirmedAt).toBeGreaterThanOrEqual(began);
    }
    const after = await replica.stats();
    expect(after.forwarded.bound - before.forwarded.bound).toBe(10);
    expect(after.primaryCalls - before.primaryCalls).toBe(1);
  });

  it("remembers a key that was never written, until a write replicates", async () => {
    const ref = uniqueRef("negative");
    const replica = placement.replica("me", ref);
    expect((await replica.read(ref)).record).toMatchObject({ version: 0, value: null });
    expect(await replica.heldVersion(ref)).toBe(0);

    await putText(ref, "now it exists", "me");
    await replicate(ref);
    const { record, cache } = await replica.read(ref);
    expect(cache).toBe("hit");
    expect(text(record.value)).toBe("now it exists");
  });

  it("keeps the copies being read in memory, follows every applied version there, and keeps a newer confirmedAt in memory alone", async () => {
    const ref = uniqueRef("hot-copies");
    const id = entryId(ref.namespace, ref.key);
    await inside(placement.replica("oc", ref), (_instance: RegionReplica, state) => {
      const sql = state.storage.sql;
      const storedConfirmedAt = () =>
        sql.exec<{ confirmed_at: number }>("SELECT confirmed_at FROM entries WHERE id = ?", id).toArray()[0]?.confirmed_at;
      const store = new ReplicaStore(sql);
      const first = pushed(ref, 1, "one", 1_000);
      expect(store.apply(first, 1_001)).toEqual({ held: 1, moved: true });
      // A push brings no key into memory; a read does.
      expect(store.load(id)).toMatchObject({ version: 1, confirmedAt: 1_000 });

      store.confirm(id, 1, 5_000);
      expect(store.load(id)).toMatchObject({ version: 1, confirmedAt: 5_000 });
      expect(storedConfirmedAt()).toBe(1_000);
      // A store that starts anew (the object restarted) reads the row: the same version, vouched for earlier.
      expect(new ReplicaStore(sql).load(id)).toMatchObject({ version: 1, confirmedAt: 1_000 });

      expect(store.apply(pushed(ref, 2, "two", 6_000), 6_001)).toEqual({ held: 2, moved: true });
      expect(text(store.load(id)!.value)).toBe("two");
      expect(new ReplicaStore(sql).load(id)).toMatchObject({ version: 2, confirmedAt: 6_000 });
      expect(store.apply(pushed(ref, 1, "one", 7_000), 7_001)).toEqual({ held: 2, moved: false });

      // Without room in memory, a confirmation is written to the row.
      const small = new ReplicaStore(sql, 0);
      small.confirm(id, 2, 8_000);
      expect(storedConfirmedAt()).toBe(8_000);
      expect(small.load(id)).toMatchObject({ version: 2, confirmedAt: 8_000 });
    });
  });
});
