import { describe, expect, it } from "vitest";
import { entryId } from "../../durable-objects/topology";
import { call, keyPath, placement, putText, replicate, uniqueRef } from "./helpers";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function headersOf(response: Response, ...names: string[]): Record<string, string | null> {
  return Object.fromEntries(names.map((name) => [name, response.headers.get(name)]));
}

describe("bounded staleness", () => {
  it("never serves a copy older than the bound, and revalidates an unchanged copy without its bytes", async () => {
    const ref = uniqueRef("bounded");
    await putText(ref, "v1");
    await replicate(ref);
    const bound = 150;
    const replica = placement.replica("weur", ref);
    const before = await replica.stats();

    for (let round = 0; round < 3; round++) {
      const answer = await call(keyPath(ref.key), { headers: { "X-Region": "weur", "X-Max-Staleness": String(bound) } });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("X-Consistency")).toBe("bounded");
      expect(Number(answer.headers.get("X-Staleness-Ms"))).toBeLessThanOrEqual(bound);
      expect(await answer.text()).toBe("v1");
      await sleep(bound + 50);
    }
    const after = await replica.stats();
    expect(after.forwarded.bound - before.forwarded.bound).toBeGreaterThanOrEqual(2);
    expect(after.unchanged - before.unchanged).toBe(after.primaryCalls - before.primaryCalls);
  });

  it("serves the newer version once the held copy is past the bound, though replication has not run", async () => {
    const ref = uniqueRef("bounded-new");
    await putText(ref, "old");
    await replicate(ref);
    await putText(ref, "new"); // not replicated: the replica still holds "old"
    await sleep(60);

    const loose = await call(keyPath(ref.key), { headers: { "X-Region": "apac", "X-Max-Staleness": "60000" } });
    expect(await loose.text()).toBe("old");
    const sentAt = Date.now();
    const tight = await call(keyPath(ref.key), { headers: { "X-Region": "apac", "Cache-Control": "max-age=0" } });
    expect(await tight.text()).toBe("new");
    expect(tight.headers.get("X-Cache")).toBe("REVALIDATED");
    // Vouched for by the primary after the read was sent: no staler than the read took.
    expect(Number(tight.headers.get("X-Staleness-Ms"))).toBeLessThanOrEqual(Date.now() - sentAt);
  });

  it("takes the bound from Cache-Control: max-age in seconds, and rejects bounded without one", async () => {
    const ref = uniqueRef("max-age");
    await putText(ref, "x");
    const answer = await call(keyPath(ref.key), { headers: { "Cache-Control": "max-age=30", "X-Region": "sam" } });
    expect(headersOf(answer, "X-Consistency")).toEqual({ "X-Consistency": "bounded" });
    const missing = await call(keyPath(ref.key), { headers: { "X-Consistency": "bounded" } });
    expect(missing.status).toBe(400);
  });
});

describe("read-your-writes sessions", () => {
  it("carries a write's version to another region at once, though replication has not run", async () => {
    const ref = uniqueRef("session");
    const first = await call(keyPath(ref.key), { method: "PUT", body: "v1", headers: { "X-Region": "weur" } });
    await replicate(ref);
    const put = await call(keyPath(ref.key), {
      method: "PUT",
      body: "v2",
      headers: { "X-Region": "weur", "X-Session": first.headers.get("X-Session")! },
    });
    const token = put.headers.get("X-Session")!;
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);

    const without = await call(keyPath(ref.key), { headers: { "X-Region": "oc" } });
    expect(await without.text()).toBe("v1");

    const withSession = await call(keyPath(ref.key), { headers: { "X-Region": "oc", "X-Session": token } });
    expect(await withSession.text()).toBe("v2");
    expect(headersOf(withSession, "X-Consistency", "X-Version")).toEqual({ "X-Consistency": "session", "X-Version": "2" });

    // Monotonic: a session that has read version 2 never reads version 1 again.
    const later = await call(keyPath(ref.key), { headers: { "X-Region": "oc", "X-Session": withSession.headers.get("X-Session")! } });
    expect(later.headers.get("X-Version")).toBe("2");
  });

  it("keeps a write in the session through an mget of 100 keys that were never written", async () => {
    const ref = uniqueRef("session-absent");
    await call(keyPath(ref.key), { method: "PUT", body: "v1", headers: { "X-Region": "weur" } });
    await replicate(ref);
    const put = await call(keyPath(ref.key), { method: "PUT", body: "v2", headers: { "X-Region": "weur" } });
    const keys = Array.from({ length: 100 }, (_, i) => `${ref.key}-absent-${i}`);
    const batch = await call("/v1/mget", {
      method: "POST",
      body: JSON.stringify({ keys }),
      headers: { "Content-Type": "application/json", "X-Region": "oc", "X-Session": put.headers.get("X-Session")! },
    });
    expect(batch.status).toBe(200);
    const read = await call(keyPath(ref.key), { headers: { "X-Region": "oc", "X-Session": batch.headers.get("X-Session")! } });
    expect(headersOf(read, "X-Consistency", "X-Version")).toEqual({ "X-Consistency": "session", "X-Version": "2" });
    expect(await read.text()).toBe("v2");
  });

  it("serves X-Min-Version, and opts out of the session when eventual is named", async () => {
    const ref = uniqueRef("min-version");
    await putText(ref, "a");
    await replicate(ref);
    await putText(ref, "b");
    const strict = await call(keyPath(ref.key), { headers: { "X-Region": "afr", "X-Min-Version": "2" } });
    expect(await strict.text()).toBe("b");
    expect(strict.headers.get("X-Consistency")).toBe("session");

    const token = strict.headers.get("X-Session")!;
    const elsewhere = await call(keyPath(ref.key), { headers: { "X-Region": "me", "X-Session": token, "X-Consistency": "eventual" } });
    expect(await elsewhere.text()).toBe("a");
    expect(elsewhere.headers.get("X-Consistency")).toBe("eventual");
  });

  it("waits up to X-Max-Wait-Ms for replication before going on to the primary", async () => {
    const ref = uniqueRef("wait");
    await putText(ref, "one");
    await replicate(ref);
    await putText(ref, "two");
    const reading = call(keyPath(ref.key), { headers: { "X-Region": "eeur", "X-Min-Version": "2", "X-Max-Wait-Ms": "3000" } });
    await sleep(50);
    await replicate(ref);
    const answer = await reading;
    expect(await answer.text()).toBe("two");
    expect(answer.headers.get("X-Cache")).toBe("WAITED");
  });

  it("rejects a malformed session token with 400", async () => {
    const { key } = uniqueRef("bad-session");
    const answer = await call(keyPath(key), { headers: { "X-Session": "not!base64" } });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("invalid_session");
    expect(answer.headers.get("X-Session")).toBeNull();
  });

  it("answers the session token back on refusals of access and of a region too, and checks access before the token", async () => {
    const ref = uniqueRef("session-refused");
    const written = await call(keyPath(ref.key), { method: "PUT", body: "kept" });
    expect(written.status).toBe(200);
    const token = written.headers.get("X-Session")!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    const codeOf = async (answer: Response) => ((await answer.json()) as { error: { code: string } }).error.code;

    const unknownToken = await call(keyPath(ref.key), { headers: { Authorization: "Bearer not-a-known-token", "X-Session": token } });
    expect([unknownToken.status, await codeOf(unknownToken)]).toEqual([401, "invalid_token"]);
    expect(unknownToken.headers.get("X-Session")).toBe(token);

    const unknownRegion = await call(keyPath(ref.key), { headers: { "X-Region": "mars", "X-Session": token } });
    expect([unknownRegion.status, await codeOf(unknownRegion)]).toEqual([400, "invalid_region"]);
    expect(unknownRegion.headers.get("X-Session")).toBe(token);

    const both = await call(keyPath(ref.key), { headers: { Authorization: "Bearer not-a-known-token", "X-Session": "not!base64" } });
    expect([both.status, await codeOf(both)]).toEqual([401, "invalid_token"]);
    expect(both.headers.get("X-Session")).toBeNull();
  });
});

describe("the edge tier", () => {
  it("serves repeat eventual reads from the data center's cache, and a write here purges it", async () => {
    const ref = uniqueRef("edge");
    await putText(ref, "cached");
    await replicate(ref);
    const first = await call(keyPath(ref.key), { headers: { "X-Region": "wnam" } });
    expect(first.headers.get("X-Served-By")).toBe("replica");
    await first.text();

    let servedBy: string | null = null;
    for (let i = 0; i < 20 && servedBy !== "edge"; i++) {
      const again = await call(keyPath(ref.key), { headers: { "X-Region": "wnam" } });
      servedBy = again.headers.get("X-Served-By");
      expect(await again.text()).toBe("cached");
    }
    expect(servedBy).toBe("edge");

    await call(keyPath(ref.key), { method: "PUT", body: "rewritten", headers: { "X-Region": "wnam" } });
    const afterWrite = await call(keyPath(ref.key), { headers: { "X-Region": "wnam" } });
    expect(afterWrite.headers.get("X-Served-By")).not.toBe("edge");
    // Strong reads never come from the edge.
    const strong = await call(keyPath(ref.key), { headers: { "X-Region": "wnam", "X-Consistency": "strong" } });
    expect(strong.headers.get("X-Served-By")).toBe("primary");
  });

  it("keeps hot keys in the isolate's memory: served without the data center's copy, never past the read's bound", async () => {
    const ref = uniqueRef("memory");
    await putText(ref, "hot");
    await replicate(ref);
    const read = (headers: Record<string, string> = {}) => call(keyPath(ref.key), { headers: { "X-Region": "apac", ...headers } });
    expect((await read()).headers.get("X-Served-By")).toBe("replica");

    await caches.default.delete(`https://edge.geocache.internal/apac/${entryId(ref.namespace, ref.key)}`);
    const fromMemory = await read();
    expect(fromMemory.headers.get("X-Served-By")).toBe("edge");
    expect(await fromMemory.text()).toBe("hot");

    await sleep(20);
    const bounded = await read({ "X-Max-Staleness": "10" });
    expect(bounded.headers.get("X-Served-By")).toBe("replica");
    expect(Number(bounded.headers.get("X-Staleness-Ms"))).toBeLessThanOrEqual(10);
    const newer = await read({ "X-Min-Version": "2" });
    expect(newer.headers.get("X-Served-By")).not.toBe("edge"); // no copy holds version 2: the replica asks the primary
  });
});
