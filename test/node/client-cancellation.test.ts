import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { AbortedError, GeoCache, TimeoutError } from "../../client/src/index";
import { apiError, clientFor, closeTestServers, sleep, startTestServer, uniqueKey } from "./client-helpers";

afterEach(closeTestServers);


describe("timeouts", () => {
  it("times out each attempt, retries, and then throws a TimeoutError", async () => {
    const server = await startTestServer(() => ({ forward: true, delayMs: 5_000 }));
    // Long enough for the second attempt to reach the server on a loaded machine, far below the server's delay.
    const cache = new GeoCache({ url: server.url, timeoutMs: 400, retry: { retries: 1, backoff: () => 1 } });
    const started = Date.now();
    const error = await cache.get("k").catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ status: 0, code: "timeout" });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(server.seen).toHaveLength(2);
  });

  it("answers from the retry when only the first attempt was slow", async () => {
    const server = await startTestServer((_request, index) => ({ forward: true, delayMs: index === 0 ? 5_000 : 0 }));
    // Long enough for an attempt the server does not delay to answer on a loaded machine.
    const cache = new GeoCache({ url: server.url, timeoutMs: 1_000, retry: { retries: 2, backoff: () => 1 } });
    expect((await cache.health()).status).toBe("ok");
    expect(server.seen).toHaveLength(2);
  });

  it("gives a read that waits on the service (maxWaitMs) that much longer", async () => {
    const server = await startTestServer(() => ({ forward: true, delayMs: 400 }));
    const cache = new GeoCache({ url: server.url, timeoutMs: 200, retry: false });
    await expect(cache.get(uniqueKey("slow"))).rejects.toBeInstanceOf(TimeoutError);
    expect(await cache.get(uniqueKey("slow"), { maxWaitMs: 1_000 })).toBeNull();
  });

  it("stops the timer once a streamed answer is handed over", async () => {
    const key = uniqueKey("stream-timeout");
    await clientFor().set(key, "streamed slowly");
    const cache = clientFor({ timeoutMs: 100 });
    const read = await cache.get(key, { consistency: "strong", type: "stream" });
    await sleep(250);
    expect(await new Response(read!.value).text()).toBe("streamed slowly");
  });
});

describe("cancellation by the caller's signal", () => {
  it("lets go of the caller's signal once a streamed answer is read to its end, or cancelled", async () => {
    const cache = clientFor();
    const key = uniqueKey("stream-listeners");
    await cache.set(key, "streamed");
    const shutdown = new AbortController();
    for (let i = 0; i < 12; i++) {
      const read = await cache.get(key, { type: "stream", consistency: "strong", signal: shutdown.signal });
      if (i % 2 === 0) expect(await new Response(read!.value).text()).toBe("streamed");
      else await read!.value.cancel();
    }
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
    // While one is being read, the caller's signal still aborts it.
    const open = await cache.get(key, { type: "stream", consistency: "strong", signal: shutdown.signal });
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(1);
    await open!.value.cancel();
  });

  it("aborts a request in flight with an AbortError and sends no retry", async () => {
    const server = await startTestServer(() => ({ forward: true, delayMs: 1_000 }));
    const cache = new GeoCache({ url: server.url, retry: { retries: 3, backoff: () => 1 } });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error("user left")), 50);
    const error = await cache.get("k", { signal: controller.signal }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error).toMatchObject({ name: "AbortError", code: "aborted" });
    expect((error as AbortedError).cause).toMatchObject({ message: "user left" });
    expect(Date.now() - started).toBeLessThan(800);
    await sleep(100);
    expect(server.seen).toHaveLength(1);
  });

  it("aborts the wait between retries", async () => {
    const server = await startTestServer(() => apiError(503, "unavailable"));
    const cache = new GeoCache({ url: server.url, retry: { retries: 3, backoff: () => 10_000 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(cache.set("k", "v", { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(server.seen).toHaveLength(1);
  });

  it("sends nothing for a signal that is already aborted", async () => {
    const server = await startTestServer();
    const cache = new GeoCache({ url: server.url });
    await expect(cache.health({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    await expect(cache.mget(["a"], { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(server.seen).toHaveLength(0);
  });
});
