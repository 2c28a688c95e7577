/**
 * The names of the workload's options, which `npm run measure` and
 * `geocache measure` share. Alone in a module with no imports, so the
 * `geocache` command can know them without loading the measurement.
 */
export const WORKLOAD_OPTION_NAMES = [
  "out",
  "duration",
  "rate",
  "read-ratio",
  "keys",
  "value-size",
  "max-staleness",
  "regions",
  "writers",
  "modes",
  "concurrency",
  "visibility-share",
  "poll-ms",
] as const;

export type WorkloadOptionName = (typeof WORKLOAD_OPTION_NAMES)[number];
