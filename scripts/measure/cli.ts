/**
 * `npm run measure`: staleness vs latency per region and read mode.
 *
 *   npm run measure                               # a local worker with the geo simulation on
 *   npm run measure -- --url https://…            # a running server or deployment
 *   npm run measure -- --writers weur --duration 20 --out /tmp/reports
 *
 * Prints a table per region × mode on stdout and writes a JSON file and an
 * HTML report into --out (default reports/). `--help` lists the options.
 */
import { parseArgs } from "node:util";
import { startLocalWorker, type LocalWorker } from "../local-worker";
import { GeocacheApi, READ_MODES, type ReadMode } from "./api";
import { progressDisplay } from "./progress";
import { buildReport, writeReport } from "./report";
import { formatSummaryTable } from "./table";
import { DEFAULT_WORKLOAD, runWorkload, type WorkloadOptions } from "./workload";

const d = DEFAULT_WORKLOAD;
const USAGE = `usage: npm run measure -- [options]

  --url URL              measure this server or deployment (default: start a local worker, GEO_SIM=on)
  --var NAME=VALUE       a setting of the local worker (repeatable), e.g. --var EDGE_CACHE_MAX_AGE_MS=0
  --out DIR              where the JSON and HTML reports go (default reports)
  --duration S           seconds of traffic (default ${d.durationMs / 1000})
  --rate N               operations started per second, reads and writes (default ${d.rate})
  --read-ratio N         reads per write (default ${Math.round(d.readShare / (1 - d.readShare))})
  --keys N               keys written and read (default ${d.keys})
  --value-size BYTES     bytes per written value (default ${d.valueBytes})
  --max-staleness MS     X-Max-Staleness of bounded reads (default ${d.maxStalenessMs})
  --regions A,B          regions to read from (default: every region the server lists)
  --writers A,B          regions to write from; keys are homed there in turn (default: the read regions)
  --modes A,B            read modes among ${READ_MODES.join(", ")} (default: all)
  --concurrency N        operations in flight at most (default ${d.concurrency})
  --visibility-share F   share of writes polled for visibility in every region (default ${d.visibilityShare})
  --poll-ms MS           shortest pause between visibility polls of a region (default ${d.polling.pollMs})
`;

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    var: { type: "string", multiple: true, default: [] },
    out: { type: "string", default: "reports" },
    duration: { type: "string", default: String(d.durationMs / 1000) },
    rate: { type: "string", default: String(d.rate) },
    "read-ratio": { type: "string", default: String(Math.round(d.readShare / (1 - d.readShare))) },
    keys: { type: "string", default: String(d.keys) },
    "value-size": { type: "string", default: String(d.valueBytes) },
    "max-staleness": { type: "string", default: String(d.maxStalenessMs) },
    regions: { type: "string" },
    writers: { type: "string" },
    modes: { type: "string", default: READ_MODES.join(",") },
    concurrency: { type: "string", default: String(d.concurrency) },
    "visibility-share": { type: "string", default: String(d.visibilityShare) },
    "poll-ms": { type: "string", default: String(d.polling.pollMs) },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

/** A number option within [min, max], or exit with the usage. */
function numberOption(name: keyof typeof values, min: number, max: number): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min || n > max) fail(`--${name} must be a number from ${min} to ${max}, not "${values[name]}"`);
  return n;
}

function listOption(text: string | undefined): string[] | undefined {
  return text?.split(",").map((s) => s.trim()).filter(Boolean);
}

/** Runs `work` with stdout sent to stderr, so that the local worker's start-up warnings stay out of the table on stdout. */
async function withStdoutOnStderr<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
  }
}

/** A mistake in the command line: reported with the usage, exit status 2. */
class UsageError extends Error {}

/** A target that cannot be measured: reported alone, exit status 1. */
class TargetError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

async function main(): Promise<void> {
  const vars: Record<string, string> = { GEO_SIM: "on" };
  for (const setting of values.var) {
    const eq = setting.indexOf("=");
    if (eq < 1) fail(`--var takes NAME=VALUE, not "${setting}"`);
    vars[setting.slice(0, eq)] = setting.slice(eq + 1);
  }
  if (values.url && values.var.length) fail("--var sets up the local worker; it cannot change a server given by --url");
  const modes = listOption(values.modes) ?? [...READ_MODES];
  for (const mode of modes) if (!(READ_MODES as readonly string[]).includes(mode)) fail(`unknown read mode "${mode}"`);
  const ratio = numberOption("read-ratio", 0, 1e6);
  const durationS = numberOption("duration", 0.1, 3600);
  const rate = numberOption("rate", 0.1, 10_000);
  const settings = {
    durationMs: durationS * 1000,
    rate,
    readShare: ratio / (ratio + 1),
    keys: Math.round(numberOption("keys", 1, 100_000)),
    valueBytes: Math.round(numberOption("value-size", 0, 1_048_576)),
    maxStalenessMs: numberOption("max-staleness", 0, 3_600_000),
    concurrency: Math.round(numberOption("concurrency", 1, 10_000)),
    visibilityShare: numberOption("visibility-share", 0, 1),
    polling: { ...d.polling, pollMs: numberOption("poll-ms", 1, 10_000) },
  };

  let local: LocalWorker | null = null;
  try {
    if (!values.url) {
      process.stderr.write("starting a local worker…\n");
      local = await withStdoutOnStderr(() => startLocalWorker(vars));
    }
    const target = values.url ?? local!.url;
    const api = new GeocacheApi(target);
    // The local worker's runtime logs its start-up warnings until it has answered a first request.
    const available = await withStdoutOnStderr(() => api.regions()).catch((error: unknown) => {
      throw new TargetError(`cannot list the regions of ${target}: ${error instanceof Error ? (error.cause ?? error.message) : error}`);
    });
    const regions = listOption(values.regions) ?? available;
    const writerRegions = listOption(values.writers) ?? regions;
    for (const region of [...regions, ...writerRegions]) {
      if (!available.includes(region)) fail(`"${region}" is not one of the server's regions: ${available.join(", ")}`);
    }
    const options: WorkloadOptions = {
      ...d,
      ...settings,
      regions,
      writerRegions,
      modes: modes as ReadMode[],
      keyPrefix: `measure-${crypto.randomUUID()}`,
    };
    const startedAt = new Date();
    const progress = progressDisplay();
    const result = await runWorkload(api, options, (p) => progress.update(p));
    progress.finish();

    const description = values.url ?? `local worker (wrangler dev, in-memory storage; ${Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(", ")})`;
    const report = buildReport(description, startedAt, options, result);
    const w = report.summary.writes;
    console.log(`target: ${description}`);
    console.log(`machine: ${report.machine}`);
    console.log(
      `workload: ${rate} ops/s for ${durationS} s, ${values["read-ratio"]} reads per write, ${options.keys} keys of ${options.valueBytes} B, ` +
        `writers in ${writerRegions.join(",")}; ${report.reads.length} reads, ${w.count} writes (${w.errors} failed), ` +
        `${report.visibility.length} writes polled for visibility` +
        (result.skipped ? `; ${result.skipped} operations skipped (behind schedule)` : ""),
    );
    console.log(`latency and staleness in ms; "stale" is the share of reads older than the newest write acknowledged before they began\n`);
    console.log(formatSummaryTable(report.summary));
    if (result.failures.length) console.log(`\n${result.failures.length} operations failed: ${result.failures.slice(0, 3).join("; ")}`);
    const files = await writeReport(report, values.out);
    console.log(`\nreports: ${files.json}\n         ${files.html}`);
  } finally {
    await local?.stop();
  }
}

try {
  await main();
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof TargetError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
