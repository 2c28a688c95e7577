/** The read paths bench/path-host runs, by what serves them; each reads the key of its size written by `POST /seed`. */
export const PATHS = ["bare-headers", "edge-memory", "edge-cache-api", "replica", "strong"] as const;
export type PathName = (typeof PATHS)[number];

/** The key each size's reads read. */
export const pathCostKey = (size: "small" | "large") => `path-cost-${size}`;
