import { createMiddleware } from "hono/factory";
import { isRegion, type Region } from "../../durable-objects/topology";
import { ApiError } from "../errors";
import type { AuthVariables } from "./auth";
import { settingsFor } from "../settings";

export type RegionVariables = { region: Region };

/**
 * Resolves the region a request is served from: the configured region
 * nearest to the caller's data center, or the one named by `X-Region` (how local
 * development and measurements stand in for callers around the world).
 * Choosing the region is an operator's tool: it needs the `admin` scope,
 * except on public paths, which run without a token and read nothing.
 */
export function regionResolver() {
  return createMiddleware<{ Bindings: Env; Variables: RegionVariables & Partial<AuthVariables> }>(function resolveRegion(c, next) {
    const { placement, nearest } = settingsFor(c.env);
    const requested = c.req.header("X-Region")?.trim();
    if (requested !== undefined && requested !== "") {
      const principal = c.get("principal");
      if (principal && principal.scope !== "admin") {
        throw new ApiError(403, "insufficient_scope", `X-Region needs a token with the "admin" scope; this token has "${principal.scope}"`, {
          "WWW-Authenticate": 'Bearer realm="geocache", error="insufficient_scope", scope="admin"',
        });
      }
      if (!isRegion(requested) || !placement.regions.includes(requested)) {
        throw new ApiError(
          400,
          "invalid_region",
          `X-Region "${requested}" is not a configured region (${placement.regions.join(", ")})`,
        );
      }
      c.set("region", requested);
    } else {
      c.set("region", nearest.of(c.req.raw));
    }
    return next();
  });
}
