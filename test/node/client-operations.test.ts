import { afterEach, describe, expect, it } from "vitest";
import { GeoCache, GeoCacheError } from "../../client/src/index";
import { clientFor, closeTestServers, startTestServer, uniqueKey, workerUrl } from "./client-helpers";

const REGIONS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"];

afterEach(closeTestServers);

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("GeoCache operations against the worker", () => {
  it("writes and reads text, with the version and where it was served from", async () => {
    const cache = clientFor();
    const key = uniqueKey("text");
    expect(await cache.set(key, "hello")).toEqual({ version: 1, expiresAt: null });
    expect(await cache.set(key, "hello again")).toEqual({ version: 2, expiresAt: null });

    const strong = await cache.get(key, { consistency: "strong", region: "oc" });
    expect(strong).toMatchObject({
      value: "hello again",
      version: 2,
      servedBy: "primary",
      stalenessMs: 0,
      expiresAt: null,
      contentType: "text/plain; charset=utf-8",
      consistency: "strong",
    });
    const eventual = await cache.get(key, { consistency: "eventual", region: "apac" });
    expect(eventual?.region).toBe("apac");
    expect(eventual?.servedBy).not.toBe("primary");
    expect(typeof eventual?.value).toBe("string");

    // A leading byte-order mark is part of the text, and comes back with it.
    await cache.set(key, "\uFEFFmarked");
    expect((await cache.get(key, { consistency: "strong" }))?.value).toBe("\uFEFFmarked");
  });

  it("stores JSON as application/json and parses it back, inferred or asked for", async () => {
    const cache = clientFor();
    const key = uniqueKey("json");
    const value = { name: "Ada", tags: ["x", "y"], n: 1.5, nested: { ok: true, none: null } };
    await cache.set(key, value);
    const inferred = await cache.get(key, { consistency: "strong" });
    expect(inferred?.value).toEqual(value);
    expect(inferred?.contentType).toBe("application/json");
    const typed = await cache.get<typeof value>(key, { consistency: "strong", type: "json" });
    expect(typed?.value.tags).toEqual(["x", "y"]);
    const asText = await cache.get(key, { consistency: "strong", type: "text" });
    expect(asText?.value).toBe(JSON.stringify(value));

    for (const scalar of [42, false, null, ["a"]]) {
      await cache.set(key, scalar);
      expect((await cache.get(key, { consistency: "strong" }))?.value).toEqual(scalar);
    }
  });

  it("stores bytes byte for byte and reads them as bytes, or as a stream", async () => {
    const cache = clientFor();
    const key = uniqueKey("bytes");
    const bytes = new Uint8Array(70_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) % 256;
    await cache.set(key, bytes);
    const read = await cache.get(key, { consistency: "strong" });
    expect(read?.contentType).toBe("application/octet-stream");
    expect(read?.value).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(read!.value as Uint8Array).equals(Buffer.from(bytes))).toBe(true);

    const streamed = await cache.get(key, { consistency: "strong", type: "stream" });
    const chunks = new Uint8Array(await new Response(streamed!.value).arrayBuffer());
    expect(Buffer.from(chunks).equals(Buffer.from(bytes))).toBe(true);

    // An ArrayBuffer and a view of part of one are stored as just their bytes.
    await cache.set(key, bytes.buffer.slice(0, 3));
    expect([...((await cache.get(key, { consistency: "strong", type: "bytes" }))?.value ?? [])]).toEqual([7, 38, 69]);
    await cache.set(key, new DataView(bytes.buffer, 1, 2));
    expect([...((await cache.get(key, { consistency: "strong", type: "bytes" }))?.value ?? [])]).toEqual([38, 69]);
  });

  it("writes a stream and a Blob, keeping a given Content-Type", async () => {
    const cache = clientFor();
    const key = uniqueKey("stream");
    const parts = ["<p>", "streamed", "</p>"];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
        controller.close();
      },
    });
    await cache.set(key, stream, { contentType: "text/html" });
    const html = await cache.get(key, { consistency: "strong" });
    expect(html).toMatchObject({ value: "<p>streamed</p>", contentType: "text/html" });

    await cache.set(key, new Blob(['{"from":"blob"}'], { type: "application/json" }));
    expect((await cache.get(key, { consistency: "strong" }))?.value).toEqual({ from: "blob" });
    const asStream = await cache.get(key, { consistency: "strong", type: "stream" });
    expect(await text(asStream!.value)).toBe('{"from":"blob"}');
  });

  it("heads a key: its size and where the answer came from, no value; null for a key that does not exist", async () => {
    const cache = clientFor();
    const key = uniqueKey("head");
    await cache.set(key, new Uint8Array(4_321), { ttlMs: 60_000 });
    const strong = await cache.head(key, { consistency: "strong" });
    expect(strong).toMatchObject({ size: 4_321, version: 1, servedBy: "primary", stalenessMs: 0, contentType: "application/octet-stream" });
    expect(strong?.expiresAt).toBeGreaterThan(Date.now());
    expect(strong).not.toHaveProperty("value");
    const eventual = await cache.head(key, { consistency: "eventual", region: "sam" });
    expect(eventual).toMatchObject({ size: 4_321, version: 1, region: "sam" });
    expect(eventual?.servedBy).not.toBe("primary");

    expect(await cache.head(uniqueKey("head-missing"))).toBeNull();
    await cache.delete(key);
    expect(await cache.head(key, { consistency: "strong" })).toBeNull();
  });

  it("answers null for a key that does not exist, and refuses what cannot be stored", async () => {
    const cache = clientFor();
    expect(await cache.get(uniqueKey("missing"))).toBeNull();
    expect(await cache.get(uniqueKey("missing"), { consistency: "strong", type: "stream" })).toBeNull();
    await expect(cache.set(uniqueKey("undefined"), undefined as never)).rejects.toThrow(TypeError);
    await expect(cache.get("")).rejects.toThrow(TypeError);
    // A URL drops these as path segments: sent, they would name another path.
    for (const key of [".", ".."]) {
      await expect(cache.set(key, "v")).rejects.toThrow(/not a key/);
      await expect(cache.get(key)).rejects.toThrow(TypeError);
      await expect(cache.delete(key)).rejects.toThrow(TypeError);
    }
  });

  it("deletes: true when the key existed, false when it did not", async () => {
    const cache = clientFor();
    const key = uniqueKey("delete");
    await cache.set(key, "x");
    expect(await cache.delete(key)).toBe(true);
    expect(await cache.get(key, { consistency: "strong" })).toBeNull();
    expect(await cache.delete(key)).toBe(false);
    expect(await cache.delete(uniqueKey("never"))).toBe(false);
  });

  it("encodes any key as one path segment", async () => {
    const cache = clientFor();
    for (const key of [`a/b ü ${crypto.randomUUID()}`, `100%+${crypto.randomUUID()}?#`, `../${crypto.randomUUID()}`]) {
      await cache.set(key, key);
      expect((await cache.get(key, { consistency: "strong" }))?.value).toBe(key);
      expect(await cache.delete(key)).toBe(true);
    }
  });

  it("answers health and the regions, nearest first by X-Region", async () => {
    const cache = clientFor({ region: "me" });
    expect(await cache.health()).toMatchObject({ status: "ok", region: "me" });
    expect(await cache.regions()).toEqual({ regions: REGIONS, nearest: "me" });
    // A per-call region wins over the client's.
    const key = uniqueKey("region");
    await cache.set(key, "v");
    expect((await cache.get(key, { consistency: "eventual", region: "sam" }))?.region).toBe("sam");
  });

  it("sends the token as a bearer token, and only to the URL it was given", async () => {
    const server = await startTestServer();
    const cache = new GeoCache({ url: `${server.url}/`, token: "s3cret" });
    await cache.health();
    expect(server.seen[0]?.path).toBe("/v1/health");
    expect(server.seen[0]?.headers["authorization"]).toBe("Bearer s3cret");

    await new GeoCache({ url: server.url }).health();
    expect(server.seen[1]?.headers["authorization"]).toBeUndefined();
  });

  it("is configured from GEOCACHE_URL and GEOCACHE_TOKEN", async () => {
    const server = await startTestServer();
    const cache = GeoCache.fromEnv({ GEOCACHE_URL: server.url, GEOCACHE_TOKEN: "from-env" });
    expect((await cache.health()).status).toBe("ok");
    expect(server.seen[0]?.headers["authorization"]).toBe("Bearer from-env");

    const previous = process.env["GEOCACHE_URL"];
    process.env["GEOCACHE_URL"] = workerUrl();
    try {
      expect((await GeoCache.fromEnv().health()).status).toBe("ok");
    } finally {
      if (previous === undefined) delete process.env["GEOCACHE_URL"];
      else process.env["GEOCACHE_URL"] = previous;
    }
    expect(() => GeoCache.fromEnv({})).toThrow(GeoCacheError);
  });

  it("sends every request through a fetch it is given", async () => {
    const calls: string[] = [];
    const cache = new GeoCache({
      url: workerUrl(),
      fetch: (input, init) => {
        calls.push(`${init.method} ${new URL(input).pathname}`);
        return fetch(input, init);
      },
    });
    const key = uniqueKey("fetch");
    await cache.set(key, "v");
    await cache.get(key);
    expect(calls).toEqual([`PUT /v1/keys/${key}`, `GET /v1/keys/${key}`]);
  });
});
