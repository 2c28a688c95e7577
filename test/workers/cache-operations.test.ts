import { describe, expect, it } from "vitest";
import { call, heldVersions, keyPath, placement, putText, replicate, uniqueRef } from "./helpers";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Compares large values in a loop: a deep equality over 600 KiB outlasts the edge copy's 3 s. */
function sameBytes(buffer: ArrayBuffer, expected: Uint8Array): boolean {
  const actual = new Uint8Array(buffer);
  return actual.length === expected.length && actual.every((byte, i) => byte === expected[i]);
}

interface ErrorBody {
  error: { code: string; message: string; currentVersion?: number };
}

describe("TTL", () => {
  it("never serves an expired value from any tier, and the primary's alarm replicates the expiry", async () => {
    const ref = uniqueRef("ttl");
    const put = await call(keyPath(ref.key), { method: "PUT", body: "brief", headers: { "X-TTL-Ms": "2000", "X-Region": "weur" } });
    const { expiresAt } = (await put.json()) as { expiresAt: number };
    expect(expiresAt).toBeGreaterThan(Date.now());
    await replicate(ref);

    // Fill every tier: the replica, then the edge behind it.
    for (let i = 0; i < 3; i++) {
      const answer = await call(keyPath(ref.key), { headers: { "X-Region": "weur" } });
      expect(await answer.text()).toBe("brief");
      expect(answer.headers.get("X-Expires-At")).toBe(String(expiresAt));
    }
    await sleep(Math.max(0, expiresAt - Date.now()) + 20);

    const tiers: Record<string, string>[] = [{ "X-Region": "weur" }, { "X-Region": "oc" }, { "X-Consistency": "strong" }];
    for (const headers of tiers) {
      const answer = await call(keyPath(ref.key), { headers });
      expect(answer.status).toBe(404);
    }
    // The alarm turns the expiry into a tombstone at the next version and pushes it everywhere.
    await replicate(ref);
    expect(await heldVersions(ref)).toEqual(placement.regions.map(() => 2));
  });

  it("accepts ?ttl= in seconds with decimals, and rejects a TTL given twice or out of range", async () => {
    const ref = uniqueRef("ttl-query");
    const put = await call(`${keyPath(ref.key)}?ttl=1.5`, { method: "PUT", body: "x" });
    const { expiresAt } = (await put.json()) as { expiresAt: number };
    expect(expiresAt - Date.now()).toBeGreaterThan(1_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(1_500);
    expect((await call(`${keyPath(ref.key)}?ttl=1`, { method: "PUT", body: "x", headers: { "X-TTL-Ms": "5" } })).status).toBe(400);
    expect((await call(keyPath(ref.key), { method: "PUT", body: "x", headers: { "X-TTL-Ms": "-5" } })).status).toBe(400);
    expect((await call(`${keyPath(ref.key)}?ttl=0`, { method: "PUT", body: "x" })).status).toBe(400);
  });
});

describe("conditional writes and reads", () => {
  it("lets exactly one of many concurrent compare-and-sets win", async () => {
    const ref = uniqueRef("cas");
    await putText(ref, "start");
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call(keyPath(ref.key), { method: "PUT", body: `writer ${i}`, headers: { "If-Match": '"1"' } }),
      ),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(412)]);
    for (const answer of answers.filter((a) => a.status === 412)) {
      const body = (await answer.json()) as ErrorBody;
      expect(body.error.code).toBe("precondition_failed");
      expect(body.error.currentVersion).toBe(2);
    }
    const strong = await call(keyPath(ref.key), { headers: { "X-Consistency": "strong" } });
    expect(strong.headers.get("X-Version")).toBe("2");
  });

  it("tells a deleted key's 412 from a mismatched version's, with the tombstone's version as the current one", async () => {
    const ref = uniqueRef("cas-deleted");
    await putText(ref, "here");
    expect((await call(keyPath(ref.key), { method: "DELETE" })).status).toBe(200);
    const refused = await call(keyPath(ref.key), { method: "PUT", body: "again", headers: { "If-Match": '"2"' } });
    const { error } = (await refused.json()) as ErrorBody;
    expect([refused.status, error.code, error.currentVersion]).toEqual([412, "precondition_failed", 2]);
    expect(error).toMatchObject({ exists: false });
    expect(refused.headers.get("X-Version")).toBe("2");
    expect(error.message).toBe(`key "${ref.key}" does not exist: it was deleted or expired, at version 2`);
    const recreated = await call(keyPath(ref.key), { method: "PUT", body: "again", headers: { "If-None-Match": "*" } });
    expect([recreated.status, recreated.headers.get("X-Version")]).toEqual([200, "3"]);
  });

  it("creates only when absent with If-None-Match: *, and deletes only at the named version", async () => {
    const ref = uniqueRef("create-only");
    expect((await call(keyPath(ref.key), { method: "PUT", body: "first", headers: { "If-None-Match": "*" } })).status).toBe(200);
    const second = await call(keyPath(ref.key), { method: "PUT", body: "second", headers: { "If-None-Match": "*" } });
    expect(second.status).toBe(412);
    expect(((await second.json()) as ErrorBody).error.currentVersion).toBe(1);

    const wrongDelete = await call(keyPath(ref.key), { method: "DELETE", headers: { "If-Match": '"7"' } });
    expect(wrongDelete.status).toBe(412);
    expect((await call(keyPath(ref.key), { method: "DELETE", headers: { "If-Match": '"1"' } })).status).toBe(200);
    const onMissing = await call(keyPath(ref.key), { method: "PUT", body: "x", headers: { "If-Match": "*" } });
    expect(onMissing.status).toBe(412);
    expect((await call(keyPath(ref.key), { method: "PUT", body: "x", headers: { "If-Match": "7" } })).status).toBe(400);
  });

  it("answers 304 to If-None-Match naming the version served", async () => {
    const ref = uniqueRef("etag");
    await putText(ref, "body");
    const answer = await call(keyPath(ref.key), { headers: { "If-None-Match": '"1"', "X-Consistency": "strong" } });
    expect(answer.status).toBe(304);
    expect(answer.headers.get("ETag")).toBe('"1"');
    expect(await answer.text()).toBe("");
    expect((await call(keyPath(ref.key), { headers: { "If-None-Match": '"0", "9"', "X-Consistency": "strong" } })).status).toBe(200);
  });
});

describe("the edge tier's Cache API copies", () => {
  it("answers a value too large for the isolate's memory from the data center's copy, byte for byte, with 304 and HEAD as for any copy", async () => {
    const ref = uniqueRef("edge-stream");
    // Over a sixteenth of the memory tier's 8 MiB: never kept in the isolate, so every edge hit is a Cache API hit.
    const value = Uint8Array.from({ length: 600 * 1024 }, (_, i) => (i * 7) % 256);
    const put = await call(keyPath(ref.key), { method: "PUT", body: value, headers: { "Content-Type": "application/x-test", "X-Region": "apac" } });
    expect(put.status).toBe(200);
    const eventual = { "X-Region": "apac", "X-Consistency": "eventual" };
    let edgeHit: Response | null = null;
    for (let i = 0; i < 50 && !edgeHit; i++) {
      const answer = await call(keyPath(ref.key), { headers: eventual });
      expect(answer.status).toBe(200);
      expect(sameBytes(await answer.arrayBuffer(), value)).toBe(true);
      if (answer.headers.get("X-Served-By") === "edge") edgeHit = answer;
      else await sleep(10); // the copy is stored after the answer
    }
    expect(edgeHit?.headers.get("Content-Type")).toBe("application/x-test");
    expect(edgeHit?.headers.get("ETag")).toBe('"1"');

    const notModified = await call(keyPath(ref.key), { headers: { ...eventual, "If-None-Match": '"1"' } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("X-Served-By")).toBe("edge");
    expect(await notModified.text()).toBe("");
    const head = await call(keyPath(ref.key), { method: "HEAD", headers: eventual });
    expect(head.status).toBe(200);
    expect(head.headers.get("X-Served-By")).toBe("edge");
    expect(head.headers.get("Content-Length")).toBe(String(value.length));
    expect(await head.text()).toBe("");
    const again = await call(keyPath(ref.key), { headers: eventual });
    expect(again.headers.get("X-Served-By")).toBe("edge");
    expect(sameBytes(await again.arrayBuffer(), value)).toBe(true);
  });
});

describe("counters and idempotent retries", () => {
  it("increments atomically from nothing, by any whole amount, and refuses a value that is not a number", async () => {
    const ref = uniqueRef("counter");
    const incr = (body?: string) => call(`${keyPath(ref.key)}/incr`, { method: "POST", body, headers: { "Content-Type": "application/json" } });
    expect(await (await incr()).json()).toEqual({ key: ref.key, value: 1, version: 1 });
    expect(await (await incr('{"by": 41}')).json()).toEqual({ key: ref.key, value: 42, version: 2 });
    expect(((await (await incr('{"by": -50}')).json()) as { value: number }).value).toBe(-8);

    const parallel = await Promise.all(Array.from({ length: 20 }, () => incr('{"by": 1}')));
    expect(parallel.every((answer) => answer.status === 200)).toBe(true);
    const strong = await call(keyPath(ref.key), { headers: { "X-Consistency": "strong" } });
    expect(await strong.text()).toBe("12");

    expect((await incr('{"by": 1.5}')).status).toBe(400);
    expect((await incr("not json")).status).toBe(400);
    await putText(ref, "twelve");
    const refused = await incr();
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as ErrorBody).error).toMatchObject({ code: "not_an_integer", message: `key "${ref.key}" does not hold a whole number in decimal text within ±(2^53 − 1)` });
    await putText(ref, String(Number.MAX_SAFE_INTEGER));
    const overflowed = await incr();
    expect(overflowed.status).toBe(409);
    expect(((await overflowed.json()) as ErrorBody).error).toMatchObject({ code: "not_an_integer", message: `key "${ref.key}" holds a whole number, but this increment would take it past ±(2^53 − 1)` });
    expect((await call(`${keyPath(ref.key)}/incr`)).status).toBe(405);
  });

  it("counts a retried increment with the same Idempotency-Key once", async () => {
    const ref = uniqueRef("idempotent");
    const attempt = () =>
      call(`${keyPath(ref.key)}/incr`, { method: "POST", body: '{"by": 5}', headers: { "Idempotency-Key": "retry-me" } });
    const answers = [await attempt(), await attempt(), ...(await Promise.all([attempt(), attempt()]))];
    const bodies = await Promise.all(answers.map((answer) => answer.json()));
    expect(bodies.every((body) => JSON.stringify(body) === JSON.stringify({ key: ref.key, value: 5, version: 1 }))).toBe(true);
    expect(answers.slice(1).every((answer) => answer.headers.get("Idempotent-Replayed") === "true")).toBe(true);

    const strong = await call(keyPath(ref.key), { headers: { "X-Consistency": "strong" } });
    expect(await strong.text()).toBe("5");
    const reused = await call(keyPath(ref.key), { method: "DELETE", headers: { "Idempotency-Key": "retry-me" } });
    expect(reused.status).toBe(422);
  });
});

describe("batch reads", () => {
  it("reads up to 100 keys in one call, with values in base64 and per-key provenance", async () => {
    const present = uniqueRef("mget-a");
    const missing = uniqueRef("mget-b");
    await putText(present, "héllo");
    const answer = await call("/v1/mget", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Region": "apac" },
      body: JSON.stringify({ keys: [present.key, missing.key], consistency: "strong" }),
    });
    expect(answer.status).toBe(200);
    const { results } = (await answer.json()) as { results: Record<string, unknown>[] };
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ key: present.key, status: 200, version: 1, contentType: "text/plain", servedBy: "primary" });
    expect(new TextDecoder().decode(Uint8Array.from(atob(results[0]!.value as string), (c) => c.charCodeAt(0)))).toBe("héllo");
    expect(results[1]).toMatchObject({ key: missing.key, status: 404, value: null });

    const tooMany = await call("/v1/mget", { method: "POST", body: JSON.stringify({ keys: Array.from({ length: 101 }, (_, i) => `k${i}`) }) });
    expect(tooMany.status).toBe(400);
    expect((await call("/v1/mget", { method: "POST", body: JSON.stringify({ keys: [""] }) })).status).toBe(400);
    expect((await call("/v1/mget")).status).toBe(405);
  });

  it("answers at most 16 MiB of values; each key past it says answer_too_large and reads on its own", async () => {
    const MiB = 1024 * 1024;
    const refs = Array.from({ length: 18 }, (_, i) => uniqueRef(`mget-big-${i}`));
    await Promise.all(
      refs.map(async (ref, i) => {
        const put = await call(keyPath(ref.key), { method: "PUT", body: new Uint8Array(MiB).fill(i), headers: { "Content-Type": "application/octet-stream" } });
        expect(put.status).toBe(200);
      }),
    );
    const answer = await call("/v1/mget", { method: "POST", body: JSON.stringify({ keys: refs.map((ref) => ref.key), consistency: "strong" }) });
    expect(answer.status).toBe(200);
    const { results } = (await answer.json()) as { results: { key: string; status: number; value?: string; error?: { code: string } }[] };
    const served = results.filter((entry) => entry.status === 200);
    const refused = results.filter((entry) => entry.status !== 200);
    expect(served).toHaveLength(16);
    for (const entry of served) {
      const fill = refs.findIndex((ref) => ref.key === entry.key);
      expect(atob(entry.value!)).toBe(String.fromCharCode(fill).repeat(MiB));
    }
    expect(refused).toHaveLength(2);
    for (const entry of refused) {
      expect(entry).toEqual({ key: entry.key, status: 413, error: { code: "answer_too_large", message: expect.stringContaining("16 MiB") } });
      const alone = await call(keyPath(entry.key), { headers: { "X-Consistency": "strong" } });
      expect(alone.status).toBe(200);
      expect((await alone.arrayBuffer()).byteLength).toBe(MiB);
    }
  });

  it("carries every byte value of a large binary value through base64 unchanged", async () => {
    const ref = uniqueRef("mget-binary");
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256);
    expect((await call(keyPath(ref.key), { method: "PUT", body: bytes, headers: { "Content-Type": "application/octet-stream" } })).status).toBe(200);
    const answer = await call("/v1/mget", { method: "POST", body: JSON.stringify({ keys: [ref.key], consistency: "strong" }) });
    const { results } = (await answer.json()) as { results: { value: string }[] };
    expect(Uint8Array.from(atob(results[0]!.value), (c) => c.charCodeAt(0))).toEqual(bytes);
  });
});
