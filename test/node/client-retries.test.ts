import { afterEach, describe, expect, it } from "vitest";
import { fullJitter, GeoCache, HttpRequester, NetworkError, RateLimitedError, UnavailableError } from "../../client/src/index";
import { apiError, clientFor, closeTestServers, startTestServer, uniqueKey, type ServerAction, type TestServer } from "./client-helpers";

afterEach(closeTestServers);

const UNAVAILABLE = apiError(503, "unavailable");

/** A test server in front of the worker that fails the first `failures` requests with `failure`, then forwards. */
function failingFirst(failures: number, failure: ServerAction): Promise<TestServer> {
  return startTestServer((_request, index) => (index < failures ? failure : { forward: true }));
}

function quickClient(url: string, retries = 3): GeoCache {
  return new GeoCache({ url, retry: { retries, backoff: () => 5 } });
}

describe("retries against a real HTTP server that fails the first attempts", () => {
  it("retries a read after 503s and after dropped connections", async () => {
    const key = uniqueKey("read-retry");
    await clientFor().set(key, "v");

    for (const failure of [UNAVAILABLE, apiError(502, "bad_gateway"), apiError(504, "timeout"), { drop: true } as const]) {
      const proxy = await failingFirst(2, failure);
      expect((await quickClient(proxy.url).get(key, { consistency: "strong" }))?.value).toBe("v");
      expect(proxy.seen.map((request) => request.method)).toEqual(["GET", "GET", "GET"]);
      await proxy.close();
    }
  });

  it("reads on its own, retried, a key whose entry in an mget answer failed for a while", async () => {
    const [a, b] = [uniqueKey("mget-503-a"), uniqueKey("mget-503-b")];
    await Promise.all([clientFor().set(a, "va"), clientFor().set(b, "vb")]);
    const entryOfB = { key: b, status: 200, version: 1, value: btoa("vb"), contentType: "text/plain", servedBy: "replica", region: "weur", stalenessMs: 0, expiresAt: null, consistency: "eventual" };
    const batch = JSON.stringify({ results: [{ key: a, status: 503, error: { code: "unavailable", message: "the key's replica did not answer" } }, entryOfB] });
    // The batch's entry for a failed; the get of a that follows fails once more, then reaches the worker.
    const proxy = await startTestServer((request, index) =>
      request.path === "/v1/mget"
        ? { answer: { status: 200, headers: { "Content-Type": "application/json" }, body: batch } }
        : index === 1
          ? UNAVAILABLE
          : { forward: true },
    );
    const results = await quickClient(proxy.url).mget([a, b]);
    expect(results.map((result) => result?.value)).toEqual(["va", "vb"]);
    expect(proxy.seen.map((request) => `${request.method} ${request.path}`)).toEqual(["POST /v1/mget", ...Array(2).fill(`GET /v1/keys/${a}`)]);

    // With retry: false the key is still read on its own once, and its failure is the call's.
    const refusing = await startTestServer((request) =>
      request.path === "/v1/mget" ? { answer: { status: 200, headers: { "Content-Type": "application/json" }, body: batch } } : UNAVAILABLE,
    );
    await expect(new GeoCache({ url: refusing.url, retry: false }).mget([a, b])).rejects.toBeInstanceOf(UnavailableError);
    expect(refusing.seen).toHaveLength(2);
  });

  it("waits as long as Retry-After says before retrying a 429", async () => {
    const proxy = await failingFirst(1, apiError(429, "rate_limited", {}, { "Retry-After": "1" }));
    const started = Date.now();
    expect((await quickClient(proxy.url).health()).status).toBe("ok");
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(proxy.seen).toHaveLength(2);
  });

  it("gives up after its retries with the last error, and never retries with retry: false", async () => {
    const proxy = await failingFirst(100, apiError(503, "unavailable", {}, { "Retry-After": "0" }));
    await expect(quickClient(proxy.url, 2).get("k")).rejects.toBeInstanceOf(UnavailableError);
    expect(proxy.seen).toHaveLength(3);

    await expect(new GeoCache({ url: proxy.url, retry: false }).get("k")).rejects.toMatchObject({ status: 503, retryAfterMs: 0 });
    expect(proxy.seen).toHaveLength(4);
  });

  it("asks the backoff for each retry's delay, attempt by attempt", async () => {
    const proxy = await failingFirst(3, UNAVAILABLE);
    const asked: number[] = [];
    const cache = new GeoCache({ url: proxy.url, retry: { retries: 3, backoff: (attempt) => (asked.push(attempt), 1) } });
    expect((await cache.health()).status).toBe("ok");
    expect(asked).toEqual([0, 1, 2]);
  });

  it("retries a write with the same Idempotency-Key on every attempt, and a new key per write", async () => {
    const proxy = await failingFirst(2, UNAVAILABLE);
    const cache = quickClient(proxy.url);
    const key = uniqueKey("write-retry");
    await cache.set(key, "v");
    await cache.delete(key);
    const keys = proxy.seen.map((request) => request.headers["idempotency-key"]);
    expect(proxy.seen.map((request) => request.method)).toEqual(["PUT", "PUT", "PUT", "DELETE"]);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(keys.slice(0, 3)).size).toBe(1);
    expect(keys[3]).not.toBe(keys[0]);

    await cache.set(key, "w", { idempotencyKey: "my-own-key" });
    expect(proxy.seen.at(-1)?.headers["idempotency-key"]).toBe("my-own-key");
  });

  it("counts an incr whose answer was lost once: the retry carries the same key and the service replays", async () => {
    const proxy = await failingFirst(1, { forward: true, loseAnswer: true });
    const key = uniqueKey("lost-incr");
    expect(await quickClient(proxy.url).incr(key, 5)).toEqual({ value: 5, version: 1 });
    expect(proxy.seen).toHaveLength(2);
    expect(proxy.seen[1]?.headers["idempotency-key"]).toBe(proxy.seen[0]?.headers["idempotency-key"]);
    expect((await clientFor().get(key, { consistency: "strong" }))?.value).toBe("5");
  });

  it("applies a set whose answer was lost once", async () => {
    const proxy = await failingFirst(1, { forward: true, loseAnswer: true });
    const key = uniqueKey("lost-set");
    expect((await quickClient(proxy.url).set(key, "once")).version).toBe(1);
    expect(proxy.seen.map((request) => request.method)).toEqual(["PUT", "PUT"]);
    expect(await clientFor().get(key, { consistency: "strong" })).toMatchObject({ value: "once", version: 1 });
  });

  it("does not retry a write without an Idempotency-Key, nor one whose body is a stream", async () => {
    const proxy = await failingFirst(100, UNAVAILABLE);
    const requester = new HttpRequester({ url: proxy.url, retry: { retries: 3, backoff: () => 1 } });
    await expect(requester.request({ method: "PUT", path: "/v1/keys/k", body: "v" })).rejects.toBeInstanceOf(UnavailableError);
    expect(proxy.seen).toHaveLength(1);

    const stream = new Blob(["streamed"]).stream();
    await expect(quickClient(proxy.url).set("k", stream)).rejects.toBeInstanceOf(UnavailableError);
    expect(proxy.seen).toHaveLength(2);
    expect(proxy.seen[1]?.headers["idempotency-key"]).toBeDefined();
  });

  it("leaves a keyless write whose answer was lost to the caller: it was applied, and not repeated", async () => {
    const proxy = await failingFirst(1, { forward: true, loseAnswer: true });
    const key = uniqueKey("keyless");
    const requester = new HttpRequester({ url: proxy.url, retry: { retries: 3, backoff: () => 1 } });
    const path = `/v1/keys/${encodeURIComponent(key)}/incr`;
    await expect(requester.request({ method: "POST", path, body: '{"by":1}' })).rejects.toBeInstanceOf(NetworkError);
    expect(proxy.seen).toHaveLength(1);
    expect((await clientFor().get(key, { consistency: "strong" }))?.value).toBe("1");
  });

  it("does not retry answers that would not change: 400, 404, 412, 500", async () => {
    for (const [status, code] of [[400, "invalid_key"], [412, "precondition_failed"], [500, "internal"]] as const) {
      const proxy = await failingFirst(100, apiError(status, code));
      await expect(quickClient(proxy.url).set("k", "v")).rejects.toMatchObject({ status, code });
      expect(proxy.seen).toHaveLength(1);
      await proxy.close();
    }
    const proxy = await failingFirst(100, apiError(404, "not_found", {}, { "X-Version": "0" }));
    expect(await quickClient(proxy.url).get("k")).toBeNull();
    expect(proxy.seen).toHaveLength(1);
  });

  it("reports a RateLimitedError once 429s outlast the retries", async () => {
    const proxy = await failingFirst(100, apiError(429, "rate_limited"));
    await expect(quickClient(proxy.url, 1).get("k")).rejects.toBeInstanceOf(RateLimitedError);
    expect(proxy.seen).toHaveLength(2);
  });

  it("wraps a connection that cannot be made in a NetworkError with its cause", async () => {
    const proxy = await startTestServer();
    const url = proxy.url;
    await proxy.close();
    const error = await quickClient(url, 1).health().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ status: 0, code: "network_error" });
    expect((error as NetworkError).cause).toBeInstanceOf(Error);
  });

  it("draws full-jitter delays under a doubling ceiling", () => {
    const backoff = fullJitter(100, 1_000);
    for (let attempt = 0; attempt < 8; attempt++) {
      const ceiling = Math.min(1_000, 100 * 2 ** attempt);
      const delays = Array.from({ length: 200 }, () => backoff(attempt));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(ceiling);
      expect(Math.max(...delays)).toBeGreaterThan(ceiling / 2);
    }
  });
});
