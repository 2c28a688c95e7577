/**
 * The workload's options as both commands take them (`npm run measure` and
 * `geocache measure`): their help text, and their values checked and turned
 * into the settings of a run.
 */
import { READ_MODES, type ReadMode } from "./api";
import type { WorkloadOptionName } from "./option-names";
import { DEFAULT_WORKLOAD, type WorkloadOptions } from "./workload";

/** A mistake in the command line, reported with a pointer to the help; exit status 2. */
export class MeasureUsageError extends Error {
  override name = "MeasureUsageError";
}

const d = DEFAULT_WORKLOAD;
const DEFAULT_READ_RATIO = Math.round(d.readShare / (1 - d.readShare));

/**
 * One line per workload option, for a command's `--help`.
 *
 * @example process.stdout.write(`usage: …\n\n${WORKLOAD_OPTIONS_HELP}`);
 */
export const WORKLOAD_OPTIONS_HELP = `  --out <dir>            where the JSON and HTML reports go (default reports)
  --duration <s>         seconds of traffic (default ${d.durationMs / 1000})
  --rate <n>             operations started per second, reads and writes (default ${d.rate}; --rate × --duration at most 1000000)
  --read-ratio <n>       reads per write (default ${DEFAULT_READ_RATIO})
  --keys <n>             keys written and read (default ${d.keys})
  --value-size <bytes>   bytes per written value (default ${d.valueBytes})
  --max-staleness <ms>   X-Max-Staleness of bounded reads (default ${d.maxStalenessMs})
  --regions <a,b>        regions to read from (default: every region the server lists)
  --writers <a,b>        regions to write from; keys are homed there in turn (default: the read regions)
  --modes <a,b>          read modes among ${READ_MODES.join(", ")} (default: all)
  --concurrency <n>      operations in flight at most (default ${d.concurrency})
  --visibility-share <f> share of writes polled for visibility in every region (default ${d.visibilityShare})
  --poll-ms <ms>         shortest pause between visibility polls of a region (default ${d.polling.pollMs})
`;

/** A run's settings, before the target's regions are known. */
export interface MeasureSettings {
  workload: Omit<WorkloadOptions, "regions" | "writerRegions" | "keyPrefix">;
  /** Reads per write, as asked for. */
  readRatio: number;
  /** `--regions` and `--writers`, checked against the target's regions once it answers. */
  regions: string[] | undefined;
  writers: string[] | undefined;
  /** Where the reports go. */
  out: string;
}

/** The operations one run may send: each is kept in memory and in the report. */
export const MAX_OPERATIONS = 1_000_000;

function listOption(text: string | undefined, name: string, what = "regions"): string[] | undefined {
  const list = text?.split(",").map((s) => s.trim()).filter(Boolean);
  if (list?.length === 0) throw new MeasureUsageError(`${name} takes ${what} separated by commas, not "${text}"`);
  return list;
}

/**
 * Checks the workload's options (each a string as typed, or absent for its
 * default) and answers the run's settings; a bad value throws a
 * {@link MeasureUsageError} that names it.
 *
 * @example parseMeasureSettings({ duration: "5", rate: "20" }).workload.durationMs // 5000
 */
export function parseMeasureSettings(values: Partial<Record<WorkloadOptionName, string | undefined>>): MeasureSettings {
  const number = (name: WorkloadOptionName, fallback: number, min: number, max: number): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      throw new MeasureUsageError(`--${name} must be a number from ${min} to ${max}, not "${raw}"`);
    }
    return n;
  };
  const modes = listOption(values.modes, "--modes", "read modes") ?? [...READ_MODES];
  for (const mode of modes) {
    if (!(READ_MODES as readonly string[]).includes(mode)) throw new MeasureUsageError(`unknown read mode "${mode}" (--modes takes ${READ_MODES.join(", ")})`);
  }
  const readRatio = number("read-ratio", DEFAULT_READ_RATIO, 0, 1e6);
  const durationMs = number("duration", d.durationMs / 1000, 0.1, 3600) * 1000;
  const rate = number("rate", d.rate, 0.1, 10_000);
  // Every operation is kept for the report, whose JSON must fit in one string (Node's limit is about 1.5 million operations).
  if ((rate * durationMs) / 1000 > MAX_OPERATIONS) {
    throw new MeasureUsageError(`--rate × --duration is ${Math.round((rate * durationMs) / 1000)} operations; a run takes at most ${MAX_OPERATIONS}`);
  }
  return {
    workload: {
      ...d,
      modes: modes as ReadMode[],
      durationMs,
      rate,
      readShare: readRatio / (readRatio + 1),
      keys: Math.round(number("keys", d.keys, 1, 100_000)),
      valueBytes: Math.round(number("value-size", d.valueBytes, 0, 1_048_576)),
      maxStalenessMs: number("max-staleness", d.maxStalenessMs, 0, 3_600_000),
      concurrency: Math.round(number("concurrency", d.concurrency, 1, 10_000)),
      visibilityShare: number("visibility-share", d.visibilityShare, 0, 1),
      polling: { ...d.polling, pollMs: number("poll-ms", d.polling.pollMs, 1, 10_000) },
    },
    readRatio,
    regions: listOption(values.regions, "--regions"),
    writers: listOption(values.writers, "--writers"),
    out: values.out ?? "reports",
  };
}
