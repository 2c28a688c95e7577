import type { Region } from "../durable-objects/topology";

/** Where each location hint's data centers are, roughly: the centre its requests come from. */
const REGION_COORDINATES: Record<Region, { lat: number; lon: number }> = {
  wnam: { lat: 37.4, lon: -122.0 }, // US West
  enam: { lat: 39.0, lon: -77.5 }, // US East
  sam: { lat: -23.5, lon: -46.6 }, // São Paulo
  weur: { lat: 52.4, lon: 4.9 }, // Amsterdam
  eeur: { lat: 52.2, lon: 21.0 }, // Warsaw
  apac: { lat: 1.35, lon: 103.8 }, // Singapore
  oc: { lat: -33.9, lon: 151.2 }, // Sydney
  afr: { lat: -26.2, lon: 28.0 }, // Johannesburg
  me: { lat: 25.2, lon: 55.3 }, // Dubai
};

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
