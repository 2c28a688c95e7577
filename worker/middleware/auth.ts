import { createMiddleware } from "hono/factory";
import { DEFAULT_NAMESPACE } from "../../durable-objects/topology";
import { grants, isScope, requiredScope } from "../auth/scope";
import { TokenConfigError, tokenTableFor, type Principal } from "../auth/token-table";
import { ApiError } from "../errors";

export type AuthVariables = { principal: Principal };

/** Query parameters that look like a credential: refused, since URLs end up in logs and histories. */
const CREDENTIAL_PARAMS = ["token", "access_token", "api_key", "apikey", "auth"];

const HOW_TO_CONFIGURE =
  'no tokens are configured: set GEOCACHE_TOKENS (wrangler secret put GEOCACHE_TOKENS, or .dev.vars locally) to a JSON array of {"token","scope","namespace"}';

function unauthorized(code: "missing_token" | "invalid_token" | "token_in_url" | "auth_not_configured", message: string): ApiError {
  const error = code === "invalid_token" ? ', error="invalid_token"' : "";
  return new ApiError(401, code, message, { "WWW-Authenticate": `Bearer realm="geocache"${error}` });
}

/** The anonymous principal `ANONYMOUS_ACCESS` grants, or null when it is off. */
function anonymousPrincipal(setting: string | undefined): Principal | null {
  const scope = setting?.trim() ?? "";
  if (scope === "" || scope === "off") return null;
  if (!isScope(scope)) throw new TokenConfigError(`ANONYMOUS_ACCESS must be off, read, write or admin, not "${setting}"`);
  return { scope, namespace: DEFAULT_NAMESPACE, id: "anonymous", anonymous: true };
}

async function principalOf(env: Env, authorization: string | undefined): Promise<Principal> {
  if (authorization === undefined) {
    const anonymous = anonymousPrincipal(env.ANONYMOUS_ACCESS);
    if (anonymous) return anonymous;
    const table = await tokenTableFor(env);
    if (table.size === 0) throw unauthorized("auth_not_configured", HOW_TO_CONFIGURE);
    throw unauthorized("missing_token", "this request needs a token: send Authorization: Bearer <token>");
  }
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(authorization);
  if (!match) throw unauthorized("invalid_token", "the Authorization header must be Bearer <token>");
  const table = await tokenTableFor(env);
  if (table.size === 0) throw unauthorized("auth_not_configured", HOW_TO_CONFIGURE);
  const principal = await table.find(match[1]!);
  if (!principal) throw unauthorized("invalid_token", "the token is not one this service accepts");
  return principal;
}

/**
 * Refuses with 401 `token_in_url` every request whose query names a
 * credential (`token`, `access_token`, …), whatever its path or method:
 * public paths, preflights and the dashboard's page too. A URL ends up in
 * logs, proxies and browser histories, so a client that puts a token there
 * must be told at once, everywhere, not only on the paths that need one.
 * Install it before any other middleware. A token in the URL is never
 * accepted even without it ({@link authenticate} reads only the header);
 * this makes the mistake an error instead of a silent anonymous request.
 *
 * @example app.use("*", refuseTokenInUrl());
 */
export function refuseTokenInUrl() {
  return createMiddleware(function refuseTokenInUrl(c, next) {
    // Most requests carry no query at all: parse the URL only when one does.
    const url = c.req.url;
    const query = url.includes("?") ? new URL(url).searchParams : null;
    const inUrl = query ? CREDENTIAL_PARAMS.find((name) => query.has(name)) : undefined;
    if (inUrl !== undefined) {
      const error = unauthorized("token_in_url", `a token is accepted only in the Authorization header, never in the URL ("${inUrl}" given)`);
      // This runs before the CORS middleware: let a browser's script read why it was refused.
      if (c.req.header("Origin") !== undefined) error.headers["Access-Control-Allow-Origin"] = "*";
      throw error;
    }
    return next();
  });
}

/**
 * Establishes who a request acts as, from `Authorization: Bearer <token>`
 * (or the anonymous access local development turns on), and refuses it
 * unless that token's scope covers the route ({@link requiredScope}): 401
 * for a missing or unknown token, 403 for a known one without the scope,
 * 500 `misconfigured` when the operator's token settings are invalid.
 * Paths in `publicPaths` (health checks) pass without a token. Tokens in
 * the URL are refused before this by {@link refuseTokenInUrl}.
 *
 * @example app.use("/v1/*", authenticate({ publicPaths: ["/v1/health"] }));
 */
export function authenticate(options: { publicPaths?: readonly string[] } = {}) {
  const publicPaths = new Set(options.publicPaths ?? []);
  return createMiddleware<{ Bindings: Env; Variables: AuthVariables }>(async function authenticateRequest(c, next) {
    if (publicPaths.has(c.req.path)) return next();
    let principal: Principal;
    try {
      principal = await principalOf(c.env, c.req.header("Authorization"));
    } catch (error) {
      if (!(error instanceof TokenConfigError)) throw error;
      console.error(`auth misconfigured: ${error.message}`);
      throw new ApiError(500, "misconfigured", `the service's access settings are invalid: ${error.message}`);
    }
    const needed = requiredScope(c.req.method, c.req.path);
    if (!grants(principal.scope, needed)) {
      throw new ApiError(403, "insufficient_scope", `this needs a token with the "${needed}" scope; this token has "${principal.scope}"`, {
        "WWW-Authenticate": `Bearer realm="geocache", error="insufficient_scope", scope="${needed}"`,
      });
    }
    c.set("principal", principal);
    await next();
  });
}
