import { describe, expect, it } from "vitest";
import { bearer } from "../support/tokens";
import { call, keyPath, placement, replicate, uniqueRef } from "./helpers";

interface ErrorBody {
  error: { code: string; message: string };
}

async function expectError(response: Response, status: number, code: string): Promise<ErrorBody> {
  expect(response.status).toBe(status);
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  const body = (await response.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body;
}

/** Whether the key's primary holds any version: a rejected request must leave none. */
async function stored(key: string): Promise<number> {
  const ref = { namespace: "default", key };
  return (await placement.primary(ref).read(ref)).record.version;
}

describe("input validation: a clear JSON error, and nothing changed", () => {
  it("rejects an empty key", async () => {
    await expectError(await call("/v1/keys/"), 400, "invalid_key");
    await expectError(await call("/v1/keys", { method: "PUT", body: "x" }), 400, "invalid_key");
  });

  it("rejects a key over 512 bytes of UTF-8, and accepts one of exactly 512", async () => {
    // 36 bytes of UUID and 238 two-byte characters: 512 bytes.
    const longest = `${crypto.randomUUID()}${"ü".repeat(238)}`;
    const tooLong = `${longest}a`;
    await expectError(await call(keyPath(tooLong), { method: "PUT", body: "x" }), 400, "invalid_key");
    expect(await stored(tooLong)).toBe(0);
    expect((await call(keyPath(longest), { method: "PUT", body: "x" })).status).toBe(200);
    expect(await stored(longest)).toBe(1);
  });

  it("rejects malformed percent-encoding and encodings that are not UTF-8", async () => {
    await expectError(await call("/v1/keys/%ZZ", { method: "PUT", body: "x" }), 400, "invalid_key");
    await expectError(await call("/v1/keys/abc%", { method: "PUT", body: "x" }), 400, "invalid_key");
    await expectError(await call("/v1/keys/%C3%28"), 400, "invalid_key");
  });

  it("rejects an unknown read mode, and two different ones at once", async () => {
    const { key } = uniqueRef("mode");
    await expectError(await call(keyPath(key), { headers: { "X-Consistency": "linearizable-ish" } }), 400, "invalid_consistency");
    await expectError(await call(`${keyPath(key)}?consistency=sometimes`), 400, "invalid_consistency");
    await expectError(
      await call(`${keyPath(key)}?consistency=eventual`, { headers: { "X-Consistency": "strong" } }),
      400,
      "invalid_consistency",
    );
    expect((await call(`${keyPath(key)}?consistency=STRONG`)).status).toBe(404);
  });

  it("rejects an unknown region before touching storage", async () => {
    const { key } = uniqueRef("region");
    await expectError(await call(keyPath(key), { method: "PUT", body: "x", headers: { "X-Region": "mars" } }), 400, "invalid_region");
    expect(await stored(key)).toBe(0);
  });

  it("rejects a value over the limit from Content-Length, and a chunked one while reading", async () => {
    const { key } = uniqueRef("large");
    const declared = await call(keyPath(key), { method: "PUT", body: new Uint8Array(1_048_577) });
    await expectError(declared, 413, "value_too_large");

    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 1_200_000) return controller.close();
        sent += 300_000;
        controller.enqueue(new Uint8Array(300_000));
      },
    });
    await expectError(await call(keyPath(key), { method: "PUT", body: stream }), 413, "value_too_large");
    expect(await stored(key)).toBe(0);

    const exactly = await call(keyPath(key), { method: "PUT", body: new Uint8Array(1_048_576) });
    expect(exactly.status).toBe(200);
  });

  it("rejects a Content-Type longer than 256 characters", async () => {
    const { key } = uniqueRef("content-type");
    const response = await call(keyPath(key), { method: "PUT", body: "x", headers: { "Content-Type": `text/${"x".repeat(300)}` } });
    await expectError(response, 400, "invalid_header");
    expect(await stored(key)).toBe(0);
  });

  it("answers 404 for a missing key and for an unknown route", async () => {
    const { key } = uniqueRef("missing");
    await expectError(await call(keyPath(key)), 404, "not_found");
    await expectError(await call(`${keyPath(key)}?consistency=strong`), 404, "not_found");
    await expectError(await call(keyPath(key), { method: "DELETE" }), 404, "not_found");
    await expectError(await call("/v1/nowhere"), 404, "not_found");
    await expectError(await call("/v1/keys/a/b"), 404, "not_found");
    await expectError(await call("/"), 404, "not_found");
  });

  it("answers 405 with Allow for a method a path does not take", async () => {
    const { key } = uniqueRef("method");
    const post = await call(keyPath(key), { method: "POST", body: "x" });
    await expectError(post, 405, "method_not_allowed");
    expect(post.headers.get("Allow")).toBe("GET, HEAD, PUT, DELETE");
    expect(await stored(key)).toBe(0);

    const health = await call("/v1/health", { method: "DELETE" });
    await expectError(health, 405, "method_not_allowed");
    expect(health.headers.get("Allow")).toBe("GET, HEAD");
    await expectError(await call("/v1/regions", { method: "PUT" }), 405, "method_not_allowed");
  });

  it("serves reads with the headers that say where they came from", async () => {
    const { key } = uniqueRef("provenance");
    const put = await call(keyPath(key), { method: "PUT", body: "x", headers: { "X-Region": "oc" } });
    expect(await put.json()).toEqual({ key, version: 1 });

    const eventual = await call(keyPath(key), { headers: { "X-Region": "eeur" } });
    expect(Object.fromEntries(["X-Served-By", "X-Region", "X-Consistency", "X-Version", "ETag", "X-Cache"].map((h) => [h, eventual.headers.get(h)]))).toEqual({
      "X-Served-By": "replica",
      "X-Region": "eeur",
      "X-Consistency": "eventual",
      "X-Version": "1",
      ETag: '"1"',
      "X-Cache": "MISS",
    });
    const strong = await call(`${keyPath(key)}?consistency=strong`, { headers: { "X-Region": "eeur" } });
    expect(strong.headers.get("X-Served-By")).toBe("primary");
    expect(strong.headers.get("X-Region")).toBe("oc");
    expect(strong.headers.get("X-Staleness-Ms")).toBe("0");
  });

  it("rejects an mget body field out of range as invalid_body, not as a header", async () => {
    const { key } = uniqueRef("mget-fields");
    for (const fields of [{ maxStalenessMs: 86_400_001 }, { maxStalenessMs: "soon" }, { maxWaitMs: 5_001 }, { minVersions: { [key]: -1 } }]) {
      const answer = await call("/v1/mget", { method: "POST", body: JSON.stringify({ keys: [key], ...fields }) });
      const { error } = await expectError(answer, 400, "invalid_body");
      expect(error.message).toMatch(/maxStalenessMs|maxWaitMs|minVersions/);
    }
  });

  it("takes an mget's bound from its body or its headers, whichever names bounded, and refuses bounded with neither", async () => {
    const { key } = uniqueRef("mget-bounded");
    await call(keyPath(key), { method: "PUT", body: "v1" });
    const mget = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      call("/v1/mget", { method: "POST", headers, body: JSON.stringify({ keys: [key], ...body }) });
    for (const answer of [
      await mget({ maxStalenessMs: 100 }, { "X-Consistency": "bounded" }),
      await mget({ consistency: "bounded" }, { "X-Max-Staleness": "100" }),
      await mget({ consistency: "bounded", maxStalenessMs: 100 }),
    ]) {
      expect(answer.status).toBe(200);
      const { results } = (await answer.json()) as { results: { status: number; consistency: string }[] };
      expect(results.map(({ status, consistency }) => ({ status, consistency }))).toEqual([{ status: 200, consistency: "bounded" }]);
    }
    // The body names another mode: the header's bounded needs no bound then.
    expect((await mget({ consistency: "strong" }, { "X-Consistency": "bounded" })).status).toBe(200);
    for (const answer of [await mget({}, { "X-Consistency": "bounded" }), await mget({ consistency: "bounded" })]) {
      const { error } = await expectError(answer, 400, "invalid_consistency");
      expect(error.message).toContain("maxStalenessMs");
    }
  });

  it("applies minimum versions in mget to keys named like Object.prototype members", async () => {
    // Keys of their own tenant, so that these exact names meet no other test's writes.
    const admin = bearer("acmeAdmin");
    const names = ["constructor", "toString", "__proto__", "hasOwnProperty"];
    const mget = (headers: Record<string, string>) =>
      call("/v1/mget", { method: "POST", headers: { ...admin, ...headers }, body: JSON.stringify({ keys: names }) });
    const byMinVersion = (await (await mget({ "X-Min-Version": "1" })).json()) as { results: { consistency: string }[] };
    expect(byMinVersion.results.map((r) => r.consistency)).toEqual(names.map(() => "session"));

    // The replicas hold an older version than the session has written: a read that ignores the session is stale.
    let session = "";
    const latest: number[] = [];
    for (const name of names) {
      const first = await call(keyPath(name), { method: "PUT", headers: { ...admin, "X-Region": "weur" }, body: "old" });
      expect(first.status).toBe(200);
      await replicate({ namespace: "acme", key: name });
      const second = await call(keyPath(name), { method: "PUT", headers: { ...admin, "X-Region": "weur", ...(session ? { "X-Session": session } : {}) }, body: "new" });
      latest.push(((await second.json()) as { version: number }).version);
      session = second.headers.get("X-Session")!;
    }
    const answer = (await (await mget({ "X-Session": session, "X-Region": "oc" })).json()) as { results: { version: number; value: string }[] };
    expect(answer.results.map((r) => [r.version, atob(r.value)])).toEqual(latest.map((version) => [version, "new"]));
  });

  it("rejects an incr whose \"by\" is present but no integer, null included, and counts 1 when it is absent", async () => {
    const { key } = uniqueRef("incr-by");
    for (const body of ['{"by":null}', '{"by":"2"}', '{"by":1.5}', '{"by":9007199254740992}']) {
      await expectError(await call(`${keyPath(key)}/incr`, { method: "POST", body }), 400, "invalid_body");
    }
    expect(await stored(key)).toBe(0);
    const absent = await call(`${keyPath(key)}/incr`, { method: "POST", body: "{}" });
    expect(await absent.json()).toEqual({ key, value: 1, version: 1 });
  });
});
