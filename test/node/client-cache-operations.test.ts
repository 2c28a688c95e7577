import { afterEach, describe, expect, it } from "vitest";
import { BadRequestError, ConflictError, GeoCache, NotFoundError, PreconditionFailedError } from "../../client/src/index";
import { clientFor, closeTestServers, sleep, startTestServer, uniqueKey } from "./client-helpers";

afterEach(closeTestServers);


describe("TTLs, conditional writes, counters and batch reads against the worker", () => {
  it("expires a value after ttlMs, and says when", async () => {
    const cache = clientFor();
    const key = uniqueKey("ttl");
    const before = Date.now();
    const { expiresAt } = await cache.set(key, "short-lived", { ttlMs: 1_000 });
    expect(expiresAt).toBeGreaterThanOrEqual(before + 1_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 1_000);
    const read = await cache.get(key, { consistency: "strong" });
    expect(read).toMatchObject({ value: "short-lived", expiresAt });
    await sleep(expiresAt! - Date.now() + 100);
    expect(await cache.get(key, { consistency: "strong" })).toBeNull();
    expect(await cache.get(key)).toBeNull();
  });

  it("compare-and-set: ifMatch writes only at that version, and says which version it found", async () => {
    const cache = clientFor();
    const key = uniqueKey("cas");
    const { version } = await cache.set(key, { n: 1 });
    const refused = await cache.set(key, { n: 2 }, { ifMatch: version + 5 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PreconditionFailedError);
    expect(refused).toMatchObject({ status: 412, code: "precondition_failed", currentVersion: version });
    expect(await cache.set(key, { n: 2 }, { ifMatch: version })).toMatchObject({ version: version + 1 });
    expect((await cache.get(key, { consistency: "strong" }))?.value).toEqual({ n: 2 });

    const stale = await cache.delete(key, { ifMatch: version }).catch((error: unknown) => error);
    expect(stale).toMatchObject({ currentVersion: version + 1 });
    expect(await cache.delete(key, { ifMatch: version + 1 })).toBe(true);
    // A conditional delete of a key that is not there is a NotFoundError, not false; its cause has the key's version.
    const deleted = await cache.delete(key, { ifMatch: version + 1 }).catch((error: unknown) => error);
    expect(deleted).toBeInstanceOf(NotFoundError);
    expect((deleted as NotFoundError).cause).toMatchObject({ status: 412, currentVersion: version + 2, exists: false });
    const never = await cache.delete(uniqueKey("never"), { ifMatch: 1 }).catch((error: unknown) => error);
    expect(never).toBeInstanceOf(NotFoundError);
    expect((never as NotFoundError).cause).toMatchObject({ status: 412, currentVersion: 0, exists: false });
  });

  it("create-only: ifNoneMatch * writes only when the key does not exist", async () => {
    const cache = clientFor();
    const key = uniqueKey("create");
    expect((await cache.set(key, "first", { ifNoneMatch: "*" })).version).toBe(1);
    const refused = await cache.set(key, "second", { ifNoneMatch: "*" }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PreconditionFailedError);
    expect((refused as PreconditionFailedError).currentVersion).toBe(1);
    expect((await cache.get(key, { consistency: "strong" }))?.value).toBe("first");
  });

  it("incr counts from 0 by any integer, and refuses a value that is not one", async () => {
    const cache = clientFor();
    const key = uniqueKey("counter");
    expect(await cache.incr(key)).toEqual({ value: 1, version: 1 });
    expect(await cache.incr(key, 10)).toEqual({ value: 11, version: 2 });
    expect(await cache.incr(key, -20)).toEqual({ value: -9, version: 3 });
    expect((await cache.get(key, { consistency: "strong" }))?.value).toBe("-9");
    await expect(cache.incr(key, 1.5)).rejects.toThrow(TypeError);

    const text = uniqueKey("not-a-counter");
    await cache.set(text, "seven");
    const error = await cache.incr(text).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ status: 409, code: "not_an_integer" });
  });

  it("mget reads many keys in order, each decoded by its type, null where missing", async () => {
    const cache = clientFor();
    const [text, json, bytes, missing] = ["text", "json", "bytes", "missing"].map(uniqueKey) as [string, string, string, string];
    await cache.set(text, "hello");
    await cache.set(json, { a: [1, 2] }, { ttlMs: 60_000 });
    await cache.set(bytes, new Uint8Array([0, 255, 7]));
    const results = await cache.mget([json, missing, text, bytes, text], { consistency: "strong", region: "apac" });
    expect(results.map((result) => result?.value ?? null)).toEqual([{ a: [1, 2] }, null, "hello", new Uint8Array([0, 255, 7]), "hello"]);
    expect(results[0]).toMatchObject({ version: 1, servedBy: "primary", consistency: "strong", stalenessMs: 0 });
    expect(results[0]?.expiresAt).toBeGreaterThan(Date.now());
    expect(results[2]).toMatchObject({ contentType: "text/plain; charset=utf-8", expiresAt: null });

    const asText = await cache.mget<string>([json, bytes], { type: "text", consistency: "strong" });
    expect(asText[0]?.value).toBe('{"a":[1,2]}');
    expect(await cache.mget([])).toEqual([]);
  });

  it("mget sends more than 100 keys as batches of at most 100, and keeps their order", async () => {
    const server = await startTestServer();
    const cache = new GeoCache({ url: server.url });
    const keys = Array.from({ length: 205 }, (_, i) => uniqueKey(`batch-${i}`));
    await Promise.all([0, 100, 204].map((i) => cache.set(keys[i]!, i)));
    const results = await cache.mget(keys, { consistency: "strong" });
    expect(results).toHaveLength(205);
    expect(results.flatMap((result, i) => (result ? [[i, result.value]] : []))).toEqual([[0, 0], [100, 100], [204, 204]]);
    const batches = server.seen.filter((request) => request.path === "/v1/mget").map((request) => JSON.parse(request.body.toString()).keys.length);
    expect(batches.sort((a, b) => a - b)).toEqual([5, 100, 100]);
  });

  it("mget asks again, as the batch asked, for the keys whose values the service left out of a full answer (past 16 MiB)", async () => {
    const server = await startTestServer();
    const cache = new GeoCache({ url: server.url, session: false });
    const MiB = 1024 * 1024;
    const keys = Array.from({ length: 17 }, (_, i) => uniqueKey(`big-${i}`));
    const written = await Promise.all(keys.map((key, i) => cache.set(key, new Uint8Array(MiB).fill(i))));
    const minVersions = Object.fromEntries(keys.map((key, i) => [key, written[i]!.version]));
    const results = await cache.mget(keys, { consistency: "strong", minVersions, type: "bytes" });
    // Compared as buffers: a deep comparison of 17 MiB element by element takes a minute.
    expect(results.map((result, i) => result?.value instanceof Uint8Array && Buffer.from(result.value).equals(Buffer.alloc(MiB, i)))).toEqual(keys.map(() => true));
    // 16 MiB of values fit in the first answer: the seventeenth key was asked for again, in the same mode, with its own minimum version.
    const batches = server.seen.filter((request) => request.path === "/v1/mget").map((request) => JSON.parse(request.body.toString()));
    expect(batches).toHaveLength(2);
    const [leftOut] = batches[1].keys as string[];
    expect(batches[1]).toEqual({ keys: [leftOut], consistency: "strong", minVersions: { [leftOut!]: minVersions[leftOut!] } });
    expect(keys).toContain(leftOut);
  });

  it("mget throws another key's error at once, without asking again for the keys left out", async () => {
    const answer = { results: [{ key: "a", status: 413, error: { code: "answer_too_large", message: "too large" } }, { key: "b", status: 400, error: { code: "invalid_region", message: "no such region" } }] };
    const server = await startTestServer(() => ({ answer: { status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify(answer) } }));
    await expect(new GeoCache({ url: server.url, session: false }).mget(["a", "b"])).rejects.toBeInstanceOf(BadRequestError);
    expect(server.seen).toHaveLength(1);
  });

  it("bounded reads stay within maxStalenessMs; minVersion gets at least that version", async () => {
    const cache = clientFor({ session: false });
    const key = uniqueKey("bounded");
    await cache.set(key, "v1");
    await cache.set(key, "v2");
    const bounded = await cache.get(key, { maxStalenessMs: 50, region: "eeur" });
    expect(bounded?.stalenessMs).toBeLessThanOrEqual(50);
    expect(bounded?.consistency).toBe("bounded");
    const atLeast = await cache.get(key, { minVersion: 2, maxWaitMs: 200, region: "sam" });
    expect(atLeast).toMatchObject({ value: "v2", version: 2, consistency: "session" });
  });
});
