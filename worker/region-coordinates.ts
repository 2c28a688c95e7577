/**
 * Where each location hint's data centers are, on their own (no Workers
 * types), so that the measurement's report can draw them as the worker
 * locates its callers.
 */
import type { Region } from "../durable-objects/topology";

/** Where each location hint's data centers are, roughly: the centre its requests come from. */
export const REGION_COORDINATES: Record<Region, { lat: number; lon: number }> = {
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
