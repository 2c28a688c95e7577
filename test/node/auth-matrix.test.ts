import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { bearer, TEST_TOKENS, TEST_TOKENS_SECRET, type TestTokenName } from "../support/tokens";
import { declaredRoutes, ENDPOINTS, PUBLIC_ENDPOINTS, type Endpoint } from "./auth-endpoints";
import { uniqueKey } from "./helpers";

/** The worker as deployed: tokens configured, no anonymous access. */
let secured: LocalWorker;
/** The worker as deployed before anyone configured tokens. */
let unconfigured: LocalWorker;
/** The worker as deployed with both access settings invalid: a token entry of no known scope, and no valid ANONYMOUS_ACCESS. */
let misconfigured: LocalWorker;

/** A valid token beside one of no known scope: the error must name neither token. */
const MISCONFIGURED_TOKENS = [TEST_TOKENS.acmeAdmin, { token: "misconfigured-secret-0123456789", scope: "root", namespace: "acme" }];

beforeAll(async () => {
  [secured, unconfigured, misconfigured] = await Promise.all([
    startLocalWorker({ ANONYMOUS_ACCESS: "off", GEOCACHE_TOKENS: TEST_TOKENS_SECRET }),
    startLocalWorker({ ANONYMOUS_ACCESS: "off" }),
    startLocalWorker({ ANONYMOUS_ACCESS: "sometimes", GEOCACHE_TOKENS: JSON.stringify(MISCONFIGURED_TOKENS) }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([secured?.stop(), unconfigured?.stop(), misconfigured?.stop()]);
});

const key = (k: string) => `/v1/keys/${encodeURIComponent(k)}`;

function call(worker: LocalWorker, endpoint: Endpoint, k: string, headers: Record<string, string>, query = ""): Promise<Response> {
  return fetch(`${worker.url}${endpoint.path(k)}${query}`, { method: endpoint.method, headers, body: endpoint.body?.(k) });
}

/** The version and value a token's tenant holds for `k`, read from the primary. */
async function held(k: string, token: TestTokenName = "acmeAdmin"): Promise<string> {
  const answer = await fetch(`${secured.url}${key(k)}`, { headers: { ...bearer(token), "X-Consistency": "strong" } });
  return `${answer.status} v${answer.headers.get("X-Version")} ${await answer.text()}`;
}

/** Checks a JSON error's status and code; answers its message (none for HEAD, which has no body). */
async function expectError(answer: Response, status: number, code: string, method: string): Promise<string | null> {
  expect(answer.status).toBe(status);
  if (method === "HEAD") return null;
  expect(answer.headers.get("Content-Type")).toMatch(/^application\/json/);
  const body = (await answer.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(10);
  return body.error.message;
}

describe("the auth matrix: every endpoint × every way in", () => {
  const refused: [string, Record<string, string>, number, string, string?][] = [
    ["no token", {}, 401, "missing_token"],
    ["a Basic header", { Authorization: `Basic ${btoa("acme:secret")}` }, 401, "invalid_token"],
    ["Bearer with no token", { Authorization: "Bearer" }, 401, "invalid_token"],
    ["a bare token", { Authorization: TEST_TOKENS.acmeAdmin.token }, 401, "invalid_token"],
    ["two tokens", { Authorization: `Bearer ${TEST_TOKENS.acmeAdmin.token} ${TEST_TOKENS.acmeWrite.token}` }, 401, "invalid_token"],
    ["an unknown token", { Authorization: "Bearer not-a-token-of-this-service-at-all" }, 401, "invalid_token"],
    ["a token one character short", { Authorization: `Bearer ${TEST_TOKENS.acmeAdmin.token.slice(0, -1)}` }, 401, "invalid_token"],
    ["the token in the query string", {}, 401, "token_in_url", `?access_token=${TEST_TOKENS.acmeAdmin.token}`],
    ["the token in the query string beside a valid header", bearer("acmeAdmin"), 401, "token_in_url", `?token=${TEST_TOKENS.acmeAdmin.token}`],
  ];

  for (const endpoint of ENDPOINTS) {
    it(`${endpoint.method} ${endpoint.name}: refused without a valid header token, and nothing changes`, async () => {
      const k = uniqueKey(`auth-${endpoint.name}`);
      expect((await fetch(`${secured.url}${key(k)}`, { method: "PUT", headers: bearer("acmeWrite"), body: "original" })).status).toBe(200);
      for (const [, headers, status, code, query] of refused) {
        await expectError(await call(secured, endpoint, k, headers, query), status, code, endpoint.method);
      }
      expect(await held(k)).toBe("200 v1 original");
    });

    it(`${endpoint.method} ${endpoint.name}: needs the "${endpoint.needs}" scope`, async () => {
      const k = uniqueKey(`scope-${endpoint.name}`);
      expect((await fetch(`${secured.url}${key(k)}`, { method: "PUT", headers: bearer("acmeWrite"), body: "original" })).status).toBe(200);
      const order = ["read", "write", "admin"] as const;
      for (const scope of order) {
        const token = `acme${scope[0]!.toUpperCase()}${scope.slice(1)}` as TestTokenName;
        const answer = await call(secured, endpoint, k, bearer(token));
        if (order.indexOf(scope) < order.indexOf(endpoint.needs)) {
          await expectError(answer, 403, "insufficient_scope", endpoint.method);
          expect(await held(k)).toBe("200 v1 original");
        } else {
          // Let in: whatever the endpoint itself answers (a 404 after an earlier delete, 409 for incr on text), never 401 or 403.
          expect([401, 403], `${scope} token on ${endpoint.name}`).not.toContain(answer.status);
          expect(answer.status).toBeLessThan(500);
          await answer.arrayBuffer();
        }
      }
    });
  }

  it("another tenant's token reaches only its own keys: reads miss, writes land apart", async () => {
    const k = uniqueKey("tenant");
    expect((await fetch(`${secured.url}${key(k)}`, { method: "PUT", headers: bearer("acmeWrite"), body: "acme's" })).status).toBe(200);
    const theirs = await fetch(`${secured.url}${key(k)}`, { headers: { ...bearer("globexRead"), "X-Consistency": "strong" } });
    expect(theirs.status).toBe(404);
    const batch = await fetch(`${secured.url}/v1/mget`, { method: "POST", headers: bearer("globexRead"), body: JSON.stringify({ keys: [k] }) });
    expect(((await batch.json()) as { results: { status: number }[] }).results[0]!.status).toBe(404);
    for (const endpoint of ENDPOINTS.filter((e) => e.needs === "write")) {
      expect((await call(secured, endpoint, k, bearer("globexWrite"))).status).toBeLessThan(500);
    }
    expect(await held(k)).toBe("200 v1 acme's");
    expect(await held(k, "globexAdmin")).toMatch(/^200 v3 1$/); // put, delete, incr — all in globex's namespace
  });

  it("X-Region is an admin's tool; a read or write token is refused it, with the scope it needs named", async () => {
    const k = uniqueKey("region");
    for (const token of ["acmeRead", "acmeWrite"] as const) {
      const answer = await fetch(`${secured.url}${key(k)}`, { headers: { ...bearer(token), "X-Region": "oc" } });
      expect(answer.headers.get("WWW-Authenticate")).toBe('Bearer realm="geocache", error="insufficient_scope", scope="admin"');
      await expectError(answer, 403, "insufficient_scope", "GET");
    }
    const admin = await fetch(`${secured.url}${key(k)}`, { headers: { ...bearer("acmeAdmin"), "X-Region": "oc" } });
    expect(admin.status).toBe(404);
    expect(admin.headers.get("X-Region")).toBe("oc");
  });

  it("names the scheme on 401 and the missing scope on 403", async () => {
    const missing = await fetch(`${secured.url}/v1/regions`);
    expect(missing.headers.get("WWW-Authenticate")).toBe('Bearer realm="geocache"');
    const forbidden = await fetch(`${secured.url}/v1/stats`, { headers: bearer("acmeWrite") });
    expect(forbidden.headers.get("WWW-Authenticate")).toBe('Bearer realm="geocache", error="insufficient_scope", scope="admin"');
    expect(((await forbidden.json()) as { error: { message: string } }).error.message).toContain('"admin"');
  });

  it("covers every route the worker's code declares", async () => {
    const covered = new Set([...ENDPOINTS, ...PUBLIC_ENDPOINTS].map((endpoint) => endpoint.route).filter((route) => !route.startsWith("none")));
    expect([...covered].sort()).toEqual(await declaredRoutes());
  });
});

describe("a token in the URL", () => {
  const params = ["token", "access_token", "api_key", "apikey", "auth"];

  for (const endpoint of PUBLIC_ENDPOINTS) {
    it(`${endpoint.method} ${endpoint.name}: open without a token, refused with one in the URL (alone or beside a valid header)`, async () => {
      const open = await call(secured, endpoint, "k", {});
      expect(open.status).toBe(endpoint.status);
      await open.arrayBuffer();
      for (const worker of [secured, unconfigured, misconfigured]) {
        for (const [i, param] of params.entries()) {
          const headers = i % 2 === 0 ? {} : bearer("acmeAdmin");
          const answer = await call(worker, endpoint, "k", headers, `?${param}=${TEST_TOKENS.acmeAdmin.token}`);
          expect(answer.headers.get("WWW-Authenticate"), `${param} on ${endpoint.name}`).toBe('Bearer realm="geocache"');
          await expectError(answer, 401, "token_in_url", endpoint.method);
        }
      }
    });
  }

  it("is refused before anything else: a preflight, and a browser's call it can read the refusal of", async () => {
    const preflight = await fetch(`${secured.url}/v1/health?token=${TEST_TOKENS.acmeRead.token}`, {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET" },
    });
    await expectError(preflight, 401, "token_in_url", "OPTIONS");
    const browser = await fetch(`${secured.url}/v1/keys/a?auth`, { headers: { Origin: "https://app.example", ...bearer("acmeRead") } });
    expect(browser.headers.get("Access-Control-Allow-Origin")).toBe("*");
    await expectError(browser, 401, "token_in_url", "GET");
  });

  it("leaves the dashboard's page open without one, and its page holds no figures", async () => {
    const page = await fetch(`${secured.url}/dashboard`);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toMatch(/"regions"\s*:/);
  });
});

describe("secure by default", () => {
  it("refuses every data request of a deployment with no tokens, saying how to configure them", async () => {
    for (const endpoint of ENDPOINTS) {
      const answer = await call(unconfigured, endpoint, uniqueKey("unconfigured"), {});
      await expectError(answer, 401, "auth_not_configured", endpoint.method);
    }
    const body = (await (await fetch(`${unconfigured.url}/v1/keys/x`)).json()) as { error: { message: string } };
    expect(body.error.message).toContain("wrangler secret put GEOCACHE_TOKENS");
    expect((await fetch(`${unconfigured.url}/v1/keys/x`, { headers: bearer("acmeAdmin") })).status).toBe(401);
    expect((await fetch(`${unconfigured.url}/v1/health`)).status).toBe(200);
  });

  it("keeps anonymous access out of wrangler.toml, so only `npm run dev` turns it on", async () => {
    const config = await readFile("wrangler.toml", "utf8");
    expect(config).not.toMatch(/ANONYMOUS_ACCESS/);
    const scripts = (JSON.parse(await readFile("package.json", "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.dev).toContain("ANONYMOUS_ACCESS:admin");
    expect(scripts.deploy).not.toContain("ANONYMOUS_ACCESS");
  });
});

describe("a deployment whose access settings are invalid (the operator's configuration, not the request)", () => {
  it("answers every request that needs them 500 misconfigured, naming the setting and never a token; health still answers", async () => {
    const cases = [
      { headers: bearer("acmeAdmin"), names: "GEOCACHE_TOKENS entry 1" },
      { headers: {}, names: "ANONYMOUS_ACCESS" },
    ];
    for (const endpoint of ENDPOINTS) {
      for (const { headers, names } of cases) {
        const answer = await call(misconfigured, endpoint, uniqueKey("misconfigured"), headers);
        const message = await expectError(answer, 500, "misconfigured", endpoint.method);
        if (message === null) continue;
        expect(message).toContain(names);
        for (const { token } of MISCONFIGURED_TOKENS) expect(message).not.toContain(token);
      }
    }
    const health = await fetch(`${misconfigured.url}/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
  });
});
