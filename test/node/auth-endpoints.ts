import { readdir, readFile } from "node:fs/promises";

/** One request the auth matrix sends, and the route of the worker's code it reaches. */
export interface Endpoint {
  name: string;
  method: string;
  path: (key: string) => string;
  body?: (key: string) => string;
  /** The route as the code declares it: `GET /v1/keys/:key`, or `ALL …` for a catch-all (405s, the empty key). */
  route: string;
}

/** An endpoint that needs a token, with the scope it needs. */
export interface ProtectedEndpoint extends Endpoint {
  needs: "read" | "write" | "admin";
}

const key = (k: string) => `/v1/keys/${encodeURIComponent(k)}`;

/**
 * Every route of `worker/routes/*` and `worker/app.ts` that needs a token,
 * and HEAD beside each GET (Hono serves HEAD from the GET route). Catch-alls
 * are reached with a method their path does not take: a token is checked
 * before the 405. `/v1/admin/faults` answers 404 once let in, as the node
 * project's worker runs without the geo simulation.
 */
export const ENDPOINTS: ProtectedEndpoint[] = [
  { name: "regions", method: "GET", path: () => "/v1/regions", route: "GET /v1/regions", needs: "read" },
  { name: "regions head", method: "HEAD", path: () => "/v1/regions", route: "GET /v1/regions", needs: "read" },
  { name: "regions 405", method: "PATCH", path: () => "/v1/regions", route: "ALL /v1/regions", needs: "read" },
  { name: "get", method: "GET", path: key, route: "GET /v1/keys/:key", needs: "read" },
  { name: "head", method: "HEAD", path: key, route: "GET /v1/keys/:key", needs: "read" },
  { name: "put", method: "PUT", path: key, body: () => "overwritten", route: "PUT /v1/keys/:key", needs: "write" },
  { name: "delete", method: "DELETE", path: key, route: "DELETE /v1/keys/:key", needs: "write" },
  { name: "key 405", method: "PATCH", path: key, body: () => "patched", route: "ALL /v1/keys/:key", needs: "write" },
  { name: "incr", method: "POST", path: (k) => `${key(k)}/incr`, body: () => "{}", route: "POST /v1/keys/:key/incr", needs: "write" },
  { name: "incr 405", method: "GET", path: (k) => `${key(k)}/incr`, route: "ALL /v1/keys/:key/incr", needs: "read" },
  { name: "empty key", method: "GET", path: () => "/v1/keys", route: "ALL /v1/keys", needs: "read" },
  { name: "empty key with slash", method: "PUT", path: () => "/v1/keys/", body: () => "x", route: "ALL /v1/keys/", needs: "write" },
  { name: "mget", method: "POST", path: () => "/v1/mget", body: (k) => JSON.stringify({ keys: [k] }), route: "POST /v1/mget", needs: "read" },
  { name: "mget 405", method: "GET", path: () => "/v1/mget", route: "ALL /v1/mget", needs: "read" },
  { name: "stats", method: "GET", path: () => "/v1/stats", route: "GET /v1/stats", needs: "admin" },
  { name: "stats head", method: "HEAD", path: () => "/v1/stats", route: "GET /v1/stats", needs: "admin" },
  { name: "stats 405", method: "POST", path: () => "/v1/stats", route: "ALL /v1/stats", needs: "admin" },
  { name: "read faults", method: "GET", path: () => "/v1/admin/faults", route: "GET /v1/admin/faults", needs: "admin" },
  {
    name: "set faults",
    method: "PUT",
    path: () => "/v1/admin/faults",
    body: () => JSON.stringify({ cut: ["oc"] }),
    route: "PUT /v1/admin/faults",
    needs: "admin",
  },
  { name: "lift faults", method: "DELETE", path: () => "/v1/admin/faults", route: "DELETE /v1/admin/faults", needs: "admin" },
  { name: "faults 405", method: "POST", path: () => "/v1/admin/faults", route: "ALL /v1/admin/faults", needs: "admin" },
  { name: "another admin path", method: "GET", path: () => "/v1/admin/other", route: "none: 404", needs: "admin" },
  { name: "a path the API lacks", method: "GET", path: () => "/v1/nothing-here", route: "none: 404", needs: "read" },
];

/** The routes open without a token, with the status each answers one. */
export const PUBLIC_ENDPOINTS: (Endpoint & { status: number })[] = [
  { name: "health", method: "GET", path: () => "/v1/health", route: "GET /v1/health", status: 200 },
  { name: "health head", method: "HEAD", path: () => "/v1/health", route: "GET /v1/health", status: 200 },
  { name: "health 405", method: "POST", path: () => "/v1/health", route: "ALL /v1/health", status: 405 },
  { name: "dashboard", method: "GET", path: () => "/dashboard", route: "GET /dashboard", status: 200 },
  { name: "dashboard head", method: "HEAD", path: () => "/dashboard", route: "GET /dashboard", status: 200 },
  { name: "dashboard 405", method: "POST", path: () => "/dashboard", route: "ALL /dashboard", status: 405 },
  { name: "a path outside the API", method: "GET", path: () => "/elsewhere", route: "none: 404", status: 404 },
];

/** A route declaration: `keys.get("/keys/:key", …)` or `app.all("/dashboard", …)`. */
const ROUTE = /^\w+\.(get|put|post|delete|patch|all)\("([^"]+)"/gm;

/**
 * The routes the worker's code declares, as `METHOD /path`: those of each
 * `worker/routes/*.ts` (mounted under `/v1`) and of `worker/app.ts` itself.
 */
export async function declaredRoutes(): Promise<string[]> {
  const routes: string[] = [];
  const collect = (source: string, prefix: string) => {
    for (const [, method, path] of source.matchAll(ROUTE)) routes.push(`${method!.toUpperCase()} ${prefix}${path}`);
  };
  for (const file of await readdir("worker/routes")) {
    if (file.endsWith(".ts")) collect(await readFile(`worker/routes/${file}`, "utf8"), "/v1");
  }
  collect(await readFile("worker/app.ts", "utf8"), "");
  return [...new Set(routes)].sort();
}
