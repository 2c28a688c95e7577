import { isRegion, LOCATION_HINTS, type Region } from "../topology";

/**
 * Round-trip times between the nine location hints, in ms: P95 over the 30
 * days ending 2026-07-30, from Microsoft's "Azure network round-trip latency
 * statistics" (learn.microsoft.com/azure/networking/azure-network-latency).
 * Rows are the source, columns the destination; figures are as published,
 * slightly asymmetric.
 *
 * The regions stand in for the hints: wnam West US 2, enam East US, sam
 * Brazil South, weur West Europe, eeur Poland Central, apac Southeast Asia,
 * oc Australia East, afr South Africa North, me UAE North. Poland Central is
 * published as a destination only, so eeur's row repeats its column.
 */
export const AZURE_RTT_P95_MS: Record<Region, Record<Region, number>> = {
  wnam: { wnam: 0, enam: 76, sam: 179, weur: 147, eeur: 167, apac: 165, oc: 179, afr: 284, me: 255 },
  enam: { wnam: 75, enam: 0, sam: 119, weur: 89, eeur: 104, apac: 229, oc: 207, afr: 226, me: 190 },
  sam: { wnam: 179, enam: 121, sam: 0, weur: 191, eeur: 211, apac: 337, oc: 298, afr: 327, me: 293 },
  weur: { wnam: 153, enam: 91, sam: 189, weur: 0, eeur: 28, apac: 182, oc: 282, afr: 171, me: 123 },
  eeur: { wnam: 167, enam: 104, sam: 211, weur: 28, eeur: 0, apac: 202, oc: 300, afr: 198, me: 138 },
  apac: { wnam: 165, enam: 229, sam: 337, weur: 181, eeur: 202, apac: 0, oc: 98, afr: 190, me: 90 },
  oc: { wnam: 180, enam: 206, sam: 298, weur: 282, eeur: 300, apac: 98, oc: 0, afr: 347, me: 179 },
  afr: { wnam: 285, enam: 225, sam: 326, weur: 171, eeur: 198, apac: 211, oc: 348, afr: 0, me: 104 },
  me: { wnam: 256, enam: 191, sam: 288, weur: 124, eeur: 138, apac: 87, oc: 182, afr: 105, me: 0 },
};

/**
 * The round trip of a hop inside one region (a data center to the region's
 * Durable Objects), in ms. The same source lists neighbouring regions at
 * 8–15 ms (UAE North ↔ UAE Central 8, East US ↔ East US 2 11); a hop within
 * one region is shorter still.
 */
export const INTRA_REGION_RTT_MS = 4;

/** A matrix of round-trip times (ms) between regions; the diagonal is the intra-region hop. */
export type LatencyMatrix = Record<Region, Record<Region, number>>;

/** The default matrix: Azure's published figures, with the intra-region hop on the diagonal. */
export function defaultMatrix(): LatencyMatrix {
  const matrix = {} as LatencyMatrix;
  for (const from of LOCATION_HINTS) {
    matrix[from] = { ...AZURE_RTT_P95_MS[from], [from]: INTRA_REGION_RTT_MS };
  }
  return matrix;
}

/** A JSON object (not null, not an array). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses a user's matrix (JSON: `{ "wnam": { "enam": 70, … }, … }`, round
 * trips in ms). Pairs it leaves out keep the default's figure, so a user can
 * change one route without restating the planet. Anything else — text that
 * is not JSON, a row that is not an object, a name that is not a location
 * hint (`toString` included), a figure that is not 0 to 10000 ms — throws an
 * error saying which, rather than leaving part of the matrix unused.
 *
 * @example parseMatrix('{"weur":{"eeur":5},"eeur":{"weur":5}}')
 */
export function parseMatrix(json: string): LatencyMatrix {
  let given: unknown;
  try {
    given = JSON.parse(json);
  } catch (error) {
    throw new Error(`the latency matrix is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(given)) throw new Error('the latency matrix must be a JSON object of rows, e.g. {"weur":{"eeur":28}}');
  const matrix = defaultMatrix();
  for (const [from, row] of Object.entries(given)) {
    if (!isRegion(from)) throw new Error(`the latency matrix names "${from}", which is not a location hint`);
    if (!isObject(row)) throw new Error(`the latency matrix's row "${from}" must be an object of round trips in ms, e.g. {"eeur":28}`);
    for (const [to, ms] of Object.entries(row)) {
      if (!isRegion(to)) throw new Error(`the latency matrix's row "${from}" names "${to}", which is not a location hint`);
      if (typeof ms !== "number" || !(ms >= 0) || ms > 10_000) {
        throw new Error(`the latency matrix's ${from} → ${to} must be a number of ms from 0 to 10000`);
      }
      matrix[from][to] = ms;
    }
  }
  return matrix;
}
