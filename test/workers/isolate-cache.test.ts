import { describe, expect, it } from "vitest";
import { EdgeCache } from "../../worker/edge-cache";
import { IsolateCache } from "../../worker/isolate-cache";
import { pushed, uniqueRef } from "./helpers";

const record = (version: number, size: number) => ({ ...pushed(uniqueRef("memory"), version, null), value: new ArrayBuffer(size) });

describe("the isolate's memory tier", () => {
  it("stays within its byte budget, dropping the least recently used first", () => {
    const memory = new IsolateCache(64 * 1024);
    const ids = Array.from({ length: 80 }, (_, i) => `k${i}`);
    for (const id of ids) memory.set(id, record(1, 1_000));
    expect(memory.size).toBeLessThanOrEqual(64 * 1024);
    expect(memory.size).toBeGreaterThan(60 * 1024);
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
    const memory = new IsolateCache(64 * 1024);
    memory.set("big", record(1, 5_000));
    expect(memory.get("big")).toBeNull();
    memory.set("k", record(3, 10));
    memory.set("k", record(2, 10));
    expect(memory.get("k")?.version).toBe(3);
    memory.set("k", record(4, 10));
    expect(memory.get("k")?.version).toBe(4);
    memory.delete("k");
    expect(memory.get("k")).toBeNull();
    expect(memory.size).toBe(0);
  });
});

describe("the edge tier", () => {
  it("keeps no copy that is already too old for the edge to serve", async () => {
    const edge = new EdgeCache(await caches.open(`edge-${crypto.randomUUID()}`), 1_000, new IsolateCache(64 * 1024));
    const any = () => true;
    const fresh = { ...record(1, 10), confirmedAt: Date.now() };
    const quiet = { ...record(1, 10), confirmedAt: Date.now() - 1_500 };
    await edge.store("weur", fresh);
    await edge.store("weur", quiet);
    expect((await edge.match("weur", fresh, any))?.version).toBe(1);
    expect(await edge.match("weur", quiet, any)).toBeNull();
  });
});
