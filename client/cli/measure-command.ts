/**
 * `geocache measure`: the measurement of `npm run measure` against a
 * running service. Node only, and built as a bundle of its own
 * (`dist/client/measure.js`) that the CLI loads when this command is asked
 * for, so neither the library nor the other commands carry it.
 */
import { MeasureUsageError, parseMeasureSettings, WORKLOAD_OPTIONS_HELP } from "../../scripts/measure/options";
import { measureService, TargetError } from "../../scripts/measure/run-measurement";
import { UsageError, type Invocation } from "./args";
import { CommandFailure } from "./commands";
import { TARGET_HELP } from "./help";
import type { CliIo } from "./io";
import { targetOf } from "./target";

const HELP = `Usage: geocache measure [options]

Measures staleness against latency at the service, for every region and
read mode: writers and readers at a fixed rate for a fixed time, each read
judged against the writes acknowledged before it began, and a share of
writes polled in every region until it serves them. Prints a table per
region × mode (with the service's own replication lag from /v1/stats when
the token may read it) and writes a JSON file and an HTML report. Progress
goes to stderr. Traffic goes to --url only, and stops by itself.

${WORKLOAD_OPTIONS_HELP}
${TARGET_HELP}
  --timeout <ms>         how long one request may take (default 15000)
  --json                 print the summary and the reports' paths as JSON
  -h, --help             this help
`;

/**
 * Runs `geocache measure` for a parsed command line.
 *
 * @example await measure(parseInvocation(["measure", "--url", url, "--duration", "5"]), processIo());
 */
export async function measure(invocation: Invocation, io: CliIo): Promise<void> {
  const { options } = invocation;
  if (options.help) return void io.stdout(HELP);
  if (invocation.args.length) throw new UsageError(`unexpected argument "${invocation.args[0]}"`, "measure");
  if (options.consistency !== undefined) throw new UsageError("reads in every mode; choose them with --modes, not --consistency", "measure");
  if (options.region !== undefined) throw new UsageError("reads in every region; choose them with --regions, not --region", "measure");
  const target = targetOf(invocation, io);
  try {
    await measureService({
      ...target,
      settings: parseMeasureSettings(options),
      json: options.json === true,
      print: (line) => io.stdout(`${line}\n`),
    });
  } catch (error) {
    if (error instanceof MeasureUsageError) throw new UsageError(error.message, "measure");
    if (error instanceof TargetError) throw new CommandFailure(error.message);
    throw error;
  }
}
