/**
 * What a token may do. Each scope includes the ones before it: `write`
 * implies `read`, and `admin` implies both, plus the operator's endpoints
 * (`/v1/stats`, `/v1/admin/*`) and choosing the serving region with `X-Region`.
 */
export const SCOPES = ["read", "write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: unknown): value is Scope {
  return typeof value === "string" && (SCOPES as readonly string[]).includes(value);
}

/**
 * Whether a token holding `held` may do what needs `needed`.
 *
 * @example grants("write", "read") // true
 */
export function grants(held: Scope, needed: Scope): boolean {
  return SCOPES.indexOf(held) >= SCOPES.indexOf(needed);
}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The scope a request needs, from its method and path alone, so that every
 * route's requirement is in this one table. `/v1/mget` is a POST that only
 * reads; paths the API does not have need `read`, so that only a valid token
 * learns they are 404s.
 *
 * @example requiredScope("PUT", "/v1/keys/a") // "write"
 */
export function requiredScope(method: string, path: string): Scope {
  if (path === "/v1/stats" || path.startsWith("/v1/admin/")) return "admin";
  if (path.startsWith("/v1/keys/") && !READ_METHODS.has(method)) return "write";
  return "read";
}
