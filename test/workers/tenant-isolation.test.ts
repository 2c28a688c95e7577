import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { entryId, shardOf } from "../../durable-objects/topology";
import worker from "../../worker/index";
import { call } from "./helpers";

/** Keys built from the bytes that break naïve encodings: separators, escapes, NUL, dot segments, unicode. */
const hostileKey = fc
  .array(fc.oneof(fc.constantFrom("/", ":", "%", "%2F", "\u0000", "..", ".", "\\", "?", "#", " ", "+", "ü", "🚀", "\u202e"), fc.string({ maxLength: 4 })), {
    minLength: 1,
    maxLength: 6,
  })
  .map((parts) => parts.join(""))
  .filter((key) => key.length > 0);

/** Namespaces as tokens may name them: letters, digits, `.`, `_`, `-`. */
const namespace = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,11}$/);

describe("entry ids never collide across tenants", () => {
  it("maps distinct (namespace, key) pairs to distinct ids, whatever the bytes", () => {
    const anyText = fc.oneof(hostileKey, fc.string({ unit: "grapheme", maxLength: 8 }), fc.string({ unit: "binary", maxLength: 8 }));
    fc.assert(
      fc.property(namespace, anyText, namespace, anyText, (ns1, key1, ns2, key2) => {
        const same = ns1 === ns2 && key1 === key2;
        expect(entryId(ns1, key1) === entryId(ns2, key2)).toBe(same);
      }),
      { numRuns: 5_000 },
    );
  });

  it("keeps the separator unambiguous: a namespace and key that together spell another pair's id do not meet", () => {
    expect(entryId("a", "b/c")).not.toBe(entryId("a/b", "c"));
    expect(entryId("a%2Fb", "c")).not.toBe(entryId("a", "b/c"));
    expect(shardOf(entryId("acme", "k"), 4)).toBe(shardOf(entryId("acme", "k"), 4));
  });

  it("refuses, with 400, a batch key that has no UTF-8 form (a lone surrogate JSON can carry)", async () => {
    for (const key of ["a\\ud800b", "\\udc00", "b\\ud83d"]) {
      const answer = await call("/v1/mget", { method: "POST", body: `{"keys":["${key}"]}` });
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("invalid_key");
    }
  });
});

type Tenant = { token: string; namespace: string };

/** The worker with two tenants' write tokens and no anonymous access, called through its own fetch. */
function workerFor(a: Tenant, b: Tenant) {
  const tokens = [a, b].map(({ token, namespace }) => ({ token, scope: "write", namespace }));
  const tenantEnv = { ...env, ANONYMOUS_ACCESS: "off", GEOCACHE_TOKENS: JSON.stringify(tokens) };
  return async (tenant: Tenant, path: string, init: RequestInit = {}): Promise<Response> => {
    const ctx = createExecutionContext();
    const headers = { ...(init.headers as Record<string, string>), Authorization: `Bearer ${tenant.token}` };
    const answer = await worker.fetch(new Request(`https://geocache.test${path}`, { ...init, headers }), tenantEnv, ctx);
    await waitOnExecutionContext(ctx);
    return answer;
  };
}

const path = (key: string) => `/v1/keys/${encodeURIComponent(key)}`;

/** Path segments the URL parser folds away (`.` and `..`): such a key has no URL, so the property is about every other key. */
const addressable = hostileKey.filter((key) => key !== "." && key !== "..");

describe("no read or write crosses tenants", () => {
  it("two tenants writing, reading, batching, counting and deleting one key each see only their own", async () => {
    let pairs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(namespace, { minLength: 2, maxLength: 2, selector: (ns) => ns }),
        addressable,
        async ([nsA, nsB], key) => {
          const a = { namespace: nsA!, token: `tenant-a-${crypto.randomUUID()}` };
          const b = { namespace: nsB!, token: `tenant-b-${crypto.randomUUID()}` };
          const send = workerFor(a, b);
          const unique = `${key}${crypto.randomUUID()}`;
          const strong = { headers: { "X-Consistency": "strong" } };

          expect((await send(a, path(unique), { method: "PUT", body: "a's value" })).status).toBe(200);
          expect((await send(b, path(unique), strong)).status).toBe(404);
          const eventual = await send(b, path(unique));
          expect(eventual.status).toBe(404);
          await eventual.arrayBuffer();
          expect((await send(b, path(unique), { method: "PUT", body: "b's value" })).status).toBe(200);
          expect(await (await send(a, path(unique), strong)).text()).toBe("a's value");
          expect(await (await send(b, path(unique), strong)).text()).toBe("b's value");

          const batch = await send(b, "/v1/mget", { method: "POST", body: JSON.stringify({ keys: [unique], consistency: "strong" }) });
          const [result] = ((await batch.json()) as { results: { value: string }[] }).results;
          expect(atob(result!.value)).toBe("b's value");

          expect((await send(b, path(unique), { method: "DELETE" })).status).toBe(200);
          expect(await (await send(a, path(unique), strong)).text()).toBe("a's value");
          const counted = await send(b, `${path(unique)}/incr`, { method: "POST", body: "{}" });
          expect(((await counted.json()) as { value: number }).value).toBe(1);
          expect(await (await send(a, path(unique), strong)).text()).toBe("a's value");
          pairs++;
        },
      ),
      { numRuns: 25 },
    );
    console.log(`tenant isolation: ${pairs} pairs of tenants, each on a hostile key; every read and write stayed in its tenant`);
  });
});
