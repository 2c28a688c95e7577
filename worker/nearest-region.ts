import type { Region } from "../durable-objects/topology";
import { REGION_COORDINATES } from "./region-coordinates";

/** The location hint that serves each continent when a request carries no coordinates. */
const CONTINENT_REGION: Record<string, Region> = {
  NA: "enam",
  SA: "sam",
  EU: "weur",
  AS: "apac",
  OC: "oc",
  AF: "afr",
  AN: "oc",
};

/** Great-circle distance in km. */
function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

function closestTo(point: { lat: number; lon: number }, regions: readonly Region[]): Region {
  let best = regions[0]!;
  for (const region of regions) {
    if (distanceKm(point, REGION_COORDINATES[region]) < distanceKm(point, REGION_COORDINATES[best])) best = region;
  }
  return best;
}

/**
 * The configured region nearest to where a request came from, by the
 * coordinates Cloudflare attaches to it (`request.cf`), else by its
 * continent, else the first configured region.
 *
 * @example nearestRegion({ latitude: "48.85", longitude: "2.35" }, ["enam", "weur"]) // "weur"
 */
export function nearestRegion(
  cf: { latitude?: unknown; longitude?: unknown; continent?: unknown } | undefined,
  regions: readonly Region[],
): Region {
  const lat = Number(cf?.latitude);
  const lon = Number(cf?.longitude);
  if (cf?.latitude !== undefined && cf?.longitude !== undefined && Number.isFinite(lat) && Number.isFinite(lon)) {
    return closestTo({ lat, lon }, regions);
  }
  const continentRegion = typeof cf?.continent === "string" ? CONTINENT_REGION[cf.continent] : undefined;
  if (continentRegion) return closestTo(REGION_COORDINATES[continentRegion], regions);
  return regions[0]!;
}

/** Data centers remembered at most; an isolate runs in one, so this bound is never reached in practice. */
const MAX_DATA_CENTERS = 64;

/**
 * The nearest region of each data center a request arrives through, worked
 * out from the first request seen there and reused for the rest. An
 * isolate runs in one data center, whose callers anycast brought from
 * nearby, so their nearest region is the same; and reading `request.cf`
 * costs a hot read about as much as the rest of its path (the runtime
 * parses the whole object on first use). The data center is the code after the last `-` of
 * the request's `CF-Ray`; a request without one (local development, where
 * `cf` is one placeholder) counts as one data center.
 *
 * @example
 * const regions = new DataCenterRegions(["enam", "weur"]);
 * regions.of(request); // "weur" for every request through AMS, after the first
 */
export class DataCenterRegions {
  private readonly known = new Map<string, Region>();

  constructor(readonly regions: readonly Region[]) {}

  of(request: Request): Region {
    const ray = request.headers.get("CF-Ray");
    const dataCenter = ray === null ? "" : ray.slice(ray.lastIndexOf("-") + 1);
    let region = this.known.get(dataCenter);
    if (region === undefined) {
      region = nearestRegion(request.cf as Parameters<typeof nearestRegion>[0], this.regions);
      if (this.known.size >= MAX_DATA_CENTERS) this.known.clear();
      this.known.set(dataCenter, region);
    }
    return region;
  }
}
