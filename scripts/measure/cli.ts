/**
 * `npm run measure`: staleness vs latency per region and read mode.
 *
 *   npm run measure                               # a local worker with the geo simulation on
 *   npm run measure -- --url https://… --token …  # a running server or deployment
 *   npm run measure -- --writers weur --duration 20 --out /tmp/reports
 *
 * Prints a table per region × mode on stdout and writes a JSON file and an
 * HTML report into --out (default reports/). `--help` lists the options.
 * `geocache measure` runs the same measurement from the client package,
 * against a URL only.
 */
import { parseArgs } from "node:util";
import { startLocalWorker, type LocalWorker } from "../local-worker";
import { storageRoot } from "../storage-root";
import { GeocacheApi } from "./api";
import { WORKLOAD_OPTION_NAMES, type WorkloadOptionName } from "./option-names";
import { MeasureUsageError, parseMeasureSettings, WORKLOAD_OPTIONS_HELP } from "./options";
import { measureService, TargetError } from "./run-measurement";

const USAGE = `usage: npm run measure -- [options]

  --url <url>            measure this server or deployment (default: start a local worker, GEO_SIM=on)
  --token <token>        sent as "Authorization: Bearer <token>" (default with --url: $GEOCACHE_TOKEN)
  --var <name=value>     a setting of the local worker (repeatable), e.g. --var EDGE_CACHE_MAX_AGE_MS=0
${WORKLOAD_OPTIONS_HELP}`;

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

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        url: { type: "string" },
        token: { type: "string" },
        var: { type: "string", multiple: true, default: [] },
        help: { type: "boolean", short: "h", default: false },
        ...Object.fromEntries(WORKLOAD_OPTION_NAMES.map((name) => [name, { type: "string" as const }])),
      },
    }).values as { url?: string; token?: string; var: string[]; help: boolean } & Partial<Record<WorkloadOptionName, string>>;
  } catch (error) {
    throw new MeasureUsageError((error as Error).message);
  }
}

async function main(): Promise<void> {
  const values = parseCommandLine();
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const vars: Record<string, string> = { GEO_SIM: "on" };
  for (const setting of values.var) {
    const eq = setting.indexOf("=");
    if (eq < 1) throw new MeasureUsageError(`--var takes NAME=VALUE, not "${setting}"`);
    vars[setting.slice(0, eq)] = setting.slice(eq + 1);
  }
  if (values.url && values.var.length) throw new MeasureUsageError("--var sets up the local worker; it cannot change a server given by --url");
  const settings = parseMeasureSettings(values);
  // $GEOCACHE_TOKEN names a deployment's token: the local worker, which has no tokens, would refuse it.
  const token = values.token ?? (values.url ? process.env["GEOCACHE_TOKEN"] || undefined : undefined);

  let local: LocalWorker | null = null;
  try {
    if (!values.url) {
      process.stderr.write("starting a local worker…\n");
      local = await withStdoutOnStderr(() => startLocalWorker(vars, { inRam: true }));
      // The local worker's runtime logs its start-up warnings until it has answered a first request.
      await withStdoutOnStderr(() => new GeocacheApi(local!.url, { token }).regions()).catch((error: Error) => {
        throw new TargetError(`the local worker refused its first request: ${error.message}`);
      });
    }
    const description = values.url ?? `local worker (Miniflare, storage in ${storageRoot()}; ${Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(", ")})`;
    await measureService({ url: values.url ?? local!.url, token, description, settings, print: (line) => console.log(line) });
  } finally {
    await local?.stop();
  }
}

try {
  await main();
} catch (error) {
  if (error instanceof MeasureUsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof TargetError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
