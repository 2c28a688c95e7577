import { describe, expect, it } from "vitest";
import { entryId } from "../../durable-objects/topology";
import { EdgeCache } from "../../worker/edge-cache";
import { IsolateCache } from "../../durable-objects/isolate-cache";
import { pushed, uniqueRef } from "./helpers";

const record = (version: number, size: number) => ({ ...pushed(uniqueRef("memory"), version, null), value: new ArrayBuffer(size) });

describe("the isolate's memory tier", () => {
  it("stays within its byte budget, dropping the least recently used first", () => {
    const memory = new IsolateCache(256 * 1024);
    const ids = Array.from({ length: 80 }, (_, i) => `k${i}`);
    for (const id of ids) memory.set(id, record(1, 1_000));
    expect(memory.size).toBeLessThanOrEqual(256 * 1024);
    expect(memory.size).toBeGreaterThan(250 * 1024);
    const held = ids.filter((id) => memory.peek(id));
    expect(held.length).toBeGreaterThan(40);
    expect(held).toEqual(ids.slice(ids.length - held.length)); // the newest ones, in a run

    const oldest = held[0]!;
    memory.get(oldest); // now the most recently used
    memory.set("k80", record(1, 1_000));
    expect(memory.peek(oldest)).toBe(true);
    expect(memory.peek(held[1]!)).toBe(false);
  });

  it("refuses a value over a sixteenth of the budget, and never replaces a copy with an older one", () => {
    const memory = new IsolateCache(256 * 1024);
    memory.set("big", record(1, 16_000));
    expect(memory.get("big")).toBeNull();
    memory.set("k", record(3, 10));
    memory.set("k", record(2, 10));
    expect(memory.get("k")?.record.version).toBe(3);
    memory.set("k", record(4, 10));
    expect(memory.get("k")?.record.version).toBe(4);
    memory.delete("k");
    expect(memory.get("k")).toBeNull();
    expect(memory.size).toBe(0);
  });
});

describe("the edge tier", () => {
  it("serves a copy for its max age after fetching it, however long ago the primary vouched for it, and not after", async () => {
    const memory = new IsolateCache(1024 * 1024);
    const edge = new EdgeCache(await caches.open(`edge-${crypto.randomUUID()}`), 200, memory);
    const any = () => true;
    const quiet = { ...record(1, 10), confirmedAt: Date.now() - 60_000 };
    await edge.store("weur", quiet);
    expect(await edge.match("weur", quiet, any)).toMatchObject({ version: 1, confirmedAt: quiet.confirmedAt });
    // The data center's copy serves too once this isolate's is gone, then neither does.
    memory.delete(`weur/${entryId(quiet.namespace, quiet.key)}`);
    expect(await edge.match("weur", quiet, any)).toMatchObject({ version: 1 });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await edge.match("weur", quiet, any)).toBeNull();
    expect(memory.peek(`weur/${entryId(quiet.namespace, quiet.key)}`)).toBe(true);
    memory.delete(`weur/${entryId(quiet.namespace, quiet.key)}`);
    expect(await edge.match("weur", quiet, any)).toBeNull();
  });

  it("rewrites the data center's copy for a new version, not for the same one vouched for anew, and asks it only past the isolate's copy", async () => {
    const cache = await caches.open(`edge-${crypto.randomUUID()}`);
    const edge = new EdgeCache(cache, 1_000, new IsolateCache(1024 * 1024));
    const other = new EdgeCache(cache, 1_000, new IsolateCache(1024 * 1024));
    const any = () => true;
    const v1 = { ...record(1, 10), confirmedAt: Date.now() - 100 };
    await edge.store("weur", v1);
    await edge.store("weur", { ...v1, confirmedAt: Date.now() });
    // This isolate serves the newer word; another one finds the data center's copy as first written.
    expect((await edge.match("weur", v1, any))?.confirmedAt).toBeGreaterThan(v1.confirmedAt);
    expect((await other.match("weur", v1, any))?.confirmedAt).toBe(v1.confirmedAt);

    await other.store("weur", { ...v1, version: 2, confirmedAt: Date.now() });
    expect((await other.match("weur", v1, any))?.version).toBe(2);
    // This isolate's own copy is within its age: a read it cannot serve goes to the region, not to the data center's copy.
    expect(await edge.match("weur", v1, (copy) => copy.version >= 2)).toBeNull();
  });

  it("keeps no copy older than one held or than a version written here, in memory or in the data center", async () => {
    const cache = await caches.open(`edge-${crypto.randomUUID()}`);
    const edge = new EdgeCache(cache, 1_000, new IsolateCache(1024 * 1024));
    const other = new EdgeCache(cache, 1_000, new IsolateCache(1024 * 1024));
    const any = () => true;
    const v2 = { ...record(2, 10), confirmedAt: Date.now() };
    await edge.store("weur", v2);
    // A read that fetched version 1 before version 2 was stored finishes now.
    await edge.store("weur", { ...v2, version: 1 });
    expect((await edge.match("weur", v2, any))?.version).toBe(2);
    expect((await other.match("weur", v2, any))?.version).toBe(2);

    // Version 3 is written at this data center; a read on its way during the write brings back version 2.
    await edge.purge("weur", v2, 3);
    await edge.store("weur", { ...v2, confirmedAt: Date.now() });
    expect(await edge.match("weur", v2, any)).toBeNull();
    const third = new EdgeCache(cache, 1_000, new IsolateCache(1024 * 1024));
    expect(await third.match("weur", v2, any)).toBeNull();
    await edge.store("weur", { ...v2, version: 3 });
    expect((await edge.match("weur", v2, any))?.version).toBe(3);
    expect((await third.match("weur", v2, any))?.version).toBe(3);

    // Versions 5 and then 4 (a replayed write) are answered here: version 4 is still older than what was written.
    await edge.purge("weur", v2, 5);
    await edge.purge("weur", v2, 4);
    await edge.store("weur", { ...v2, version: 4 });
    expect(await edge.match("weur", v2, any)).toBeNull();
    expect(await new EdgeCache(cache, 1_000, new IsolateCache(1024 * 1024)).match("weur", v2, any)).toBeNull();
  });

  it("passes on as the Cache API's stream a copy the isolate would not keep, and reads the bytes of one it keeps", async () => {
    const cache = await caches.open(`edge-${crypto.randomUUID()}`);
    const bytes = (size: number) => Uint8Array.from({ length: size }, (_, i) => i % 251).buffer;
    const small = { ...record(2, 0), value: bytes(100) };
    const large = { ...record(3, 0), value: bytes(20_000) };
    await new EdgeCache(cache, 1_000, new IsolateCache(0)).store("sam", small);
    await new EdgeCache(cache, 1_000, new IsolateCache(0)).store("sam", large);
    const streamed = async (value: unknown) => {
      expect(value).toBeInstanceOf(ReadableStream);
      return new Response(value as ReadableStream).arrayBuffer();
    };

    // Without a memory tier every copy streams, and a rejected one is a miss.
    const noMemory = new EdgeCache(cache, 1_000, new IsolateCache(0));
    expect(new Uint8Array(await streamed((await noMemory.match("sam", small, () => true, "stream"))!.value))).toEqual(new Uint8Array(small.value));
    expect(await noMemory.match("sam", small, (copy) => copy.version > 2, "stream")).toBeNull();
    // Asked for bytes, it reads them.
    expect((await noMemory.match("sam", small, () => true))!.value).toBeInstanceOf(ArrayBuffer);

    // With one (256 KiB here: a copy counted at over 16 KiB is not kept), a small copy is read and kept, a large one streams.
    const memory = new IsolateCache(256 * 1024);
    const withMemory = new EdgeCache(cache, 1_000, memory);
    const kept = await withMemory.match("sam", small, () => true, "stream");
    expect(kept!.value).toBeInstanceOf(ArrayBuffer);
    expect(new Uint8Array(kept!.value as ArrayBuffer)).toEqual(new Uint8Array(small.value));
    expect(memory.peek(`sam/${entryId(small.namespace, small.key)}`)).toBe(true);
    const passed = await withMemory.match("sam", large, () => true, "stream");
    expect(new Uint8Array(await streamed(passed!.value))).toEqual(new Uint8Array(large.value));
    expect(passed).toMatchObject({ version: 3, contentType: large.contentType });
    expect(memory.peek(`sam/${entryId(large.namespace, large.key)}`)).toBe(false);
  });

  it("reads a data center's copy back exactly, expiry included, and takes one whose figures do not parse for a miss", async () => {
    const cache = await caches.open(`edge-${crypto.randomUUID()}`);
    const edge = new EdgeCache(cache, 1_000, new IsolateCache(0));
    const expiring = { ...record(7, 10), committedAt: Date.now() - 50, confirmedAt: Date.now() - 20, expiresAt: Date.now() + 60_000 };
    await edge.store("apac", expiring);
    const copy = await edge.match("apac", expiring, () => true);
    expect(copy).toMatchObject({ version: 7, committedAt: expiring.committedAt, confirmedAt: expiring.confirmedAt, expiresAt: expiring.expiresAt });
    expect(new Uint8Array(copy!.value!)).toEqual(new Uint8Array(expiring.value!));

    const url = `https://edge.geocache.internal/apac/${expiring.namespace}/${expiring.key}`;
    for (const figures of [null, "7;1;2;;not-a-time", "7;1;2"]) {
      const headers: Record<string, string> = { "Cache-Control": "max-age=60" };
      if (figures !== null) headers["X-Geocache-Copy"] = figures;
      await cache.put(url, new Response("forged", { headers }));
      expect(await edge.match("apac", expiring, () => true), String(figures)).toBeNull();
    }
  });
});
