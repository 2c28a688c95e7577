import { afterEach, describe, expect, it } from "vitest";
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  GeoCache,
  GeoCacheError,
  HttpRequester,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
} from "../../client/src/index";
import { apiError, clientFor, closeTestServers, startTestServer, uniqueKey, workerUrl, type ServerAction, type TestServer } from "./client-helpers";

afterEach(closeTestServers);

/** A client of a test server that answers every request with `action`, never retrying; and the server. */
async function clientAnswering(action: ServerAction): Promise<GeoCache & { server: TestServer }> {
  const server = await startTestServer(() => action);
  return Object.assign(new GeoCache({ url: server.url, retry: false }), { server });
}

async function caught(promise: Promise<unknown>): Promise<GeoCacheError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GeoCacheError);
  return error as GeoCacheError;
}

describe("typed errors from the worker", () => {
  it("400: a BadRequestError with the API's code and message", async () => {
    const cache = clientFor();
    const error = await caught(cache.get(uniqueKey("bad"), { region: "mars" }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: "invalid_region", name: "BadRequestError" });
    expect(error.message).toContain("mars");

    const mode = await caught(cache.get(uniqueKey("bad"), { consistency: "sometimes" as never }));
    expect(mode).toMatchObject({ status: 400, code: "invalid_consistency" });
  });


  it("404: NotFoundError from the transport, which get turns into null and delete into false", async () => {
    const key = uniqueKey("missing");
    const requester = new HttpRequester({ url: workerUrl() });
    const error = await caught(requester.request({ method: "GET", path: `/v1/keys/${key}`, idempotent: true }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: "not_found" });
    expect(error.message).toContain(key);
    expect(await clientFor().get(key)).toBeNull();
    expect(await clientFor().delete(key)).toBe(false);
  });

  it("413: PayloadTooLargeError for a value over 1 MiB, and nothing stored", async () => {
    const cache = clientFor();
    const key = uniqueKey("big");
    const error = await caught(cache.set(key, new Uint8Array(1_048_577)));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ status: 413, code: "value_too_large" });
    expect(await cache.get(key, { consistency: "strong" })).toBeNull();
  });
});

describe("typed errors for answers the worker cannot give on demand (a test server)", () => {
  it("412: PreconditionFailedError carries the current version", async () => {
    const cache = await clientAnswering(apiError(412, "precondition_failed", { currentVersion: 7 }));
    const error = await caught(cache.set("k", "v", { ifMatch: 3 }));
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((error as PreconditionFailedError).currentVersion).toBe(7);
    expect(cache.server.seen[0]?.headers["if-match"]).toBe('"3"');

    const created = await caught(cache.set("k", "v", { ifNoneMatch: "*" }));
    expect(created).toBeInstanceOf(PreconditionFailedError);
    expect(cache.server.seen[1]?.headers["if-none-match"]).toBe("*");
  });

  it("429: RateLimitedError with Retry-After in ms, as seconds or as a date", async () => {
    const cache = await clientAnswering(apiError(429, "rate_limited", {}, { "Retry-After": "3" }));
    const error = await caught(cache.get("k"));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 3_000 });

    const at = new Date(Date.now() + 120_000).toUTCString();
    const dated = await clientAnswering(apiError(429, "rate_limited", {}, { "Retry-After": at }));
    const later = (await caught(dated.get("k"))) as RateLimitedError;
    expect(later.retryAfterMs).toBeGreaterThan(110_000);
    expect(later.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it("404 to a conditional delete: a NotFoundError, where an unconditional one answers false", async () => {
    const cache = await clientAnswering(apiError(404, "not_found", {}, { "X-Version": "3" }));
    expect(await cache.delete("k")).toBe(false);
    const error = await caught(cache.delete("k", { ifMatch: 2 }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: "not_found" });
  });

  it("401, 403 and 409 each have their class; an unknown status keeps its code", async () => {
    const cases: [number, string, new (...args: never[]) => GeoCacheError][] = [
      [401, "unauthorized", UnauthorizedError],
      [403, "forbidden", ForbiddenError],
      [409, "not_an_integer", ConflictError],
    ];
    for (const [status, code, type] of cases) {
      const cache = await clientAnswering(apiError(status, code));
      const error = await caught(cache.incr("k"));
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({ status, code });
    }
    const teapot = await clientAnswering(apiError(418, "teapot"));
    expect(await caught(teapot.get("k"))).toMatchObject({ status: 418, code: "teapot" });
  });

  it("an answer that is not the API's JSON still gets the class of its status", async () => {
    const cache = await clientAnswering({ answer: { status: 502, headers: { "Content-Type": "text/html" }, body: "<h1>Bad gateway</h1>" } });
    const error = await caught(cache.get("k"));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ status: 502, code: "unavailable", message: "HTTP 502" });
  });

  it("a 404 that is not a key's own answer (no X-Version) is thrown by get and delete, not taken for a missing key", async () => {
    const cache = await clientAnswering(apiError(404, "not_found"));
    for (const call of [() => cache.get("k"), () => cache.delete("k")]) {
      const error = await caught(call());
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ status: 404, keyMissing: false });
    }
  });

  it("a 200 that is not JSON (a proxy's page) is a GeoCacheError that keeps the parse error as its cause", async () => {
    const cache = await clientAnswering({ answer: { status: 200, headers: { "Content-Type": "text/html" }, body: "<h1>Sign in to the Wi-Fi</h1>" } });
    for (const call of [() => cache.health(), () => cache.regions(), () => cache.set("k", "v"), () => cache.incr("k"), () => cache.mget(["k"])]) {
      const error = await caught(call());
      expect(error).toMatchObject({ status: 200, code: "invalid_answer" });
      expect(error.cause).toBeInstanceOf(SyntaxError);
    }
  });
});

describe("mistakes of the caller", () => {
  it("a header value the runtime refuses is a TypeError at once: nothing sent, nothing retried", async () => {
    const server = await startTestServer();
    const cache = new GeoCache({ url: server.url });
    await expect(cache.get("k", { region: "weur\r\nX-Evil: 1" })).rejects.toThrow(TypeError);
    await expect(cache.set("k", "v", { idempotencyKey: "caf\u00e9\u2603" })).rejects.toThrow(TypeError);
    await expect(cache.set("k", "v", { contentType: "text/plain\r\nX-Evil: 1" })).rejects.toThrow(TypeError);
    expect(server.seen).toHaveLength(0);
    expect(() => new GeoCache({ url: server.url, token: "tok\nen" })).toThrow(TypeError);
  });

  it("a session token that is not base64url, or a retry count that is not a whole number, is a TypeError at once", async () => {
    const server = await startTestServer();
    expect(() => new GeoCache({ url: server.url, session: "from\na cookie" })).toThrow(TypeError);
    const cache = new GeoCache({ url: server.url });
    expect(() => (cache.session = "not base64url!")).toThrow(TypeError);
    expect(cache.session).toBeUndefined();
    for (const retries of [Number.NaN, -1, 1.5]) expect(() => new GeoCache({ url: server.url, retry: { retries } })).toThrow(TypeError);
    expect(server.seen).toHaveLength(0);
  });

  it("calls a fetch it was given on its own, not as the client's method, as a runtime's fetch needs", async () => {
    const server = await startTestServer();
    const thisSeen: unknown[] = [];
    const fetchOfItsOwn = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
      thisSeen.push(this);
      return fetch(input, init);
    };
    const cache = new GeoCache({ url: server.url, fetch: fetchOfItsOwn });
    expect((await cache.health()).status).toBe("ok");
    expect(thisSeen).toEqual([undefined]);
  });
});

describe("against the worker", () => {
  it("a URL with a path the service does not serve fails get and delete with a NotFoundError, where a missing key answers null and false", async () => {
    const key = uniqueKey("path-prefix");
    const misplaced = new GeoCache({ url: `${workerUrl()}/cache`, retry: false });
    await expect(misplaced.get(key)).rejects.toMatchObject({ status: 404, keyMissing: false });
    await expect(misplaced.delete(key)).rejects.toMatchObject({ status: 404, keyMissing: false });
    const cache = new GeoCache({ url: workerUrl(), retry: false });
    expect([await cache.get(key), await cache.delete(key)]).toEqual([null, false]);
  });

  it("a timeout past what a timer can hold is kept, not turned into an immediate one", async () => {
    const cache = new GeoCache({ url: workerUrl(), timeoutMs: 3_000_000_000, retry: false });
    expect((await cache.health()).status).toBe("ok");
  });
});
