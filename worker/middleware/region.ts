import { createMiddleware } from "hono/factory";
import { isRegion, type Region } from "../../durable-objects/topology";
import { ApiError } from "../errors";
import { nearestRegion } from "../nearest-region";
import { settingsFor } from "../settings";

export type RegionVariables = { region: Region };

/**
 * Resolves the region a request is served from: the configured region
 * nearest to the caller, or the one named by `X-Region` (how local
 * development and measurements stand in for callers around the world).
 */
export function regionResolver() {
  return createMiddleware<{ Bindings: Env; Variables: RegionVariables }>(async function resolveRegion(c, next) {
    const { placement } = settingsFor(c.env);
    const requested = c.req.header("X-Region")?.trim();
    if (requested !== undefined && requested !== "") {
      if (!isRegion(requested) || !placement.regions.includes(requested)) {
        throw new ApiError(
          400,
          "invalid_region",
          `X-Region "${requested}" is not a configured region (${placement.regions.join(", ")})`,
        );
      }
      c.set("region", requested);
    } else {
      c.set("region", nearestRegion(c.req.raw.cf as IncomingRequestCfProperties | undefined, placement.regions));
    }
    await next();
  });
}
