import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

type ClientModule = typeof import("../../client/src/index");

/**
 * The bundles `test/client-build-setup.ts` built before this run, with no
 * Node built-in in them: the package's ESM build (platform "neutral") and
 * the minified browser build.
 */
const BUNDLES = {
  neutral: "../../dist/client/index.js",
  browser: "../../dist/client/geocache.browser.js",
};

async function load(path: string): Promise<ClientModule> {
  return (await import(/* @vite-ignore */ path)) as ClientModule;
}

/** Requests go to the worker's own fetch handler, as a service binding's would. */
const workerFetch = (input: string, init: RequestInit) => exports.default.fetch(new Request(input, init));

describe.each(Object.entries(BUNDLES))("the %s bundle inside workerd", (_platform, path) => {
  it("writes, reads, deletes and reports errors through the worker", async () => {
    const { GeoCache, BadRequestError, PayloadTooLargeError } = await load(path);
    const cache = new GeoCache({ url: "https://geocache.test", fetch: workerFetch, region: "weur" });
    const key = `bundle-${crypto.randomUUID()}`;

    expect(await cache.health()).toMatchObject({ status: "ok", region: "weur" });
    expect((await cache.regions()).regions).toContain("oc");

    expect((await cache.set(key, { runtime: "workerd" })).version).toBe(1);
    const read = await cache.get(key, { consistency: "strong" });
    expect(read).toMatchObject({ value: { runtime: "workerd" }, version: 1, servedBy: "primary" });

    await cache.set(key, new Uint8Array([0, 1, 254, 255]));
    const bytes = await cache.get(key, { consistency: "strong", type: "bytes" });
    expect([...(bytes?.value ?? [])]).toEqual([0, 1, 254, 255]);

    const counter = `${key}-counter`;
    expect(await cache.incr(counter, 3)).toEqual({ value: 3, version: 1 });
    const [counted, missing] = await cache.mget([counter, `${key}-missing`], { consistency: "strong" });
    expect(counted).toMatchObject({ value: "3", version: 1 });
    expect(missing).toBeNull();
    expect(cache.session).toMatch(/^[A-Za-z0-9_-]+$/);

    expect(await cache.delete(key)).toBe(true);
    expect(await cache.get(key, { consistency: "strong" })).toBeNull();
    expect(await cache.delete(key)).toBe(false);

    await expect(cache.get(key, { region: "mars" })).rejects.toBeInstanceOf(BadRequestError);
    await expect(cache.set(key, new Uint8Array(1_048_577))).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it("times out and aborts with its own errors", async () => {
    const { GeoCache, AbortedError, TimeoutError } = await load(path);
    const never = () => new Promise<Response>(() => {});
    const slow = new GeoCache({ url: "https://geocache.test", fetch: never, timeoutMs: 20, retry: false });
    await expect(slow.health()).rejects.toBeInstanceOf(TimeoutError);

    const cache = new GeoCache({ url: "https://geocache.test", fetch: workerFetch });
    await expect(cache.health({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
  });
});
