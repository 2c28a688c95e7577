import { afterEach, describe, expect, it } from "vitest";
import { GeoCache } from "../../client/src/index";
import { decodeSessionToken } from "../../client/src/session-token";
import { DEFAULT_NAMESPACE, entryId, fnv1a32 } from "../../durable-objects/topology";
import { clientFor, closeTestServers, startTestServer, uniqueKey, type TestServer } from "./client-helpers";

afterEach(closeTestServers);

/** A test server whose every answer (a key's 404 too) carries the session token `t<n>`, n counting requests. */
function sessionServer(): Promise<TestServer> {
  return startTestServer((request, index) => {
    const missing = request.path.startsWith("/v1/keys/");
    return {
      answer: {
        status: missing ? 404 : 200,
        headers: { "Content-Type": "application/json", "X-Session": `t${index}`, ...(missing ? { "X-Version": "0" } : {}) },
        body: missing ? '{"error":{"code":"not_found","message":"no such key"}}' : '{"status":"ok","region":"weur","time":0}',
      },
    };
  });
}

describe("the session token", () => {
  it("is kept from every answer and sent back on the next request", async () => {
    const { url, seen } = await sessionServer();
    const cache = new GeoCache({ url });
    expect(cache.session).toBeUndefined();
    await cache.health();
    expect(cache.session).toBe("t0");
    await cache.health();
    expect(await cache.get("missing")).toBeNull();
    await cache.health();
    expect(seen.map((request) => request.headers["x-session"])).toEqual([undefined, "t0", "t1", "t2"]);
    expect(cache.session).toBe("t3");
  });

  it("moves to another client through the session property or the constructor", async () => {
    const { url, seen } = await sessionServer();
    const first = new GeoCache({ url });
    await first.health();

    const second = new GeoCache({ url });
    second.session = first.session;
    await second.health();
    expect(seen[1]?.headers["x-session"]).toBe("t0");

    const third = new GeoCache({ url, session: "from-a-cookie" });
    expect(third.session).toBe("from-a-cookie");
    await third.health();
    expect(seen[2]?.headers["x-session"]).toBe("from-a-cookie");

    third.session = undefined;
    await third.health();
    expect(seen[3]?.headers["x-session"]).toBeUndefined();
  });

  it("is neither kept nor sent with session: false", async () => {
    const { url, seen } = await sessionServer();
    const cache = new GeoCache({ url, session: false });
    await cache.health();
    await cache.health();
    expect(cache.session).toBeUndefined();
    expect(seen.map((request) => request.headers["x-session"])).toEqual([undefined, undefined]);
  });
});

describe("read-your-writes against the worker", () => {
  it("a second client holding the first one's token reads its write at once in another region", async () => {
    const writer = clientFor({ region: "weur" });
    const key = uniqueKey("ryw");
    await writer.set(key, "v0");
    for (let round = 1; round <= 5; round++) {
      // A reader without the session has just read the old version in Sydney, so copies there hold it.
      const bystander = clientFor({ region: "oc", session: false });
      expect((await bystander.get(key))?.value).toBeDefined();
      await writer.set(key, `v${round}`);

      const reader = clientFor({ region: "oc", session: writer.session! });
      const read = await reader.get(key);
      expect(read).toMatchObject({ value: `v${round}`, version: round + 1, region: "oc", consistency: "session" });
      const [batched] = await clientFor({ region: "apac", session: writer.session! }).mget([key]);
      expect(batched).toMatchObject({ value: `v${round}`, consistency: "session" });
    }
  });

  it("keeps every write of concurrent requests in the session, not only the last answer's", async () => {
    const writer = clientFor({ region: "weur" });
    const keys = ["a", "b", "c", "d"].map((label) => uniqueKey(`concurrent-${label}`));
    await Promise.all(keys.map((key) => writer.set(key, "old")));
    // Copies in Sydney now hold the old values.
    const bystander = clientFor({ region: "oc", session: false });
    expect((await Promise.all(keys.map((key) => bystander.get(key)))).map((read) => read?.value)).toEqual(keys.map(() => "old"));

    await Promise.all(keys.map((key) => writer.set(key, "new")));
    const reader = clientFor({ region: "oc", session: writer.session! });
    for (const key of keys) expect(await reader.get(key)).toMatchObject({ value: "new", version: 2, consistency: "session" });
  });

  it("keeps every write of concurrent requests when the session is already full, ahead of the keys it touched before", async () => {
    const writer = clientFor({ region: "weur" });
    const keys = ["a", "b", "c", "d"].map((label) => uniqueKey(`full-${label}`));
    await Promise.all(keys.map((key) => writer.set(key, "old")));
    // 96 later writes, one after another, fill the session (its capacity) and push the four keys out of it.
    for (let i = 0; i < 96; i++) await writer.set(uniqueKey(`full-filler-${i}`), "x");
    expect(keys.map((key) => decodeSessionToken(writer.session!)!.has(fnv1a32(entryId(DEFAULT_NAMESPACE, key))))).toEqual([false, false, false, false]);
    // Sydney's data center now holds the old values, for the edge tier's max age.
    const bystander = clientFor({ region: "oc", session: false });
    expect((await Promise.all(keys.map((key) => bystander.get(key)))).map((read) => read?.value)).toEqual(keys.map(() => "old"));

    await Promise.all(keys.map((key) => writer.set(key, "new")));
    // The token itself must name all four writes: replication here may well be quicker than the reads that check it.
    const token = decodeSessionToken(writer.session!)!;
    expect(token.size).toBe(96);
    expect(keys.map((key) => token.get(fnv1a32(entryId(DEFAULT_NAMESPACE, key))))).toEqual([2, 2, 2, 2]);
    const reader = clientFor({ region: "oc", session: writer.session! });
    for (const key of keys) expect(await reader.get(key)).toMatchObject({ value: "new", version: 2, consistency: "session" });
  });

  it("one client sees each of its own increments at once, wherever it reads", async () => {
    const cache = clientFor({ region: "enam" });
    const key = uniqueKey("own-writes");
    for (const [i, region] of ["wnam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"].entries()) {
      await cache.incr(key);
      expect(await cache.get(key, { region, type: "text" })).toMatchObject({ value: String(i + 1), region, consistency: "session" });
    }
  });
});
