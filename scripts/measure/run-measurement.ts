/**
 * One measurement of a running service, as both commands run it: ask its
 * regions, read its own figures, run the workload with a progress display,
 * read its figures again, then print the table and write the reports.
 */
import { GeocacheApi } from "./api";
import { MeasureUsageError, type MeasureSettings } from "./options";
import { progressDisplay } from "./progress";
import { buildReport, writeReport, type MeasureReport } from "./report";
import { serviceFigures, serviceNote } from "./service-figures";
import { formatSummaryTable, formatVisibilityTimeouts } from "./table";
import { runWorkload, SeedError, type WorkloadOptions } from "./workload";

/** A target that cannot be measured (it does not answer, or not as geocache): reported in one line, exit status 1. */
export class TargetError extends Error {
  override name = "TargetError";
}

/** What to measure and where the results go. */
export interface MeasurementRun {
  /** The service's origin. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** How long one request may take, ms (default 15 s). */
  timeoutMs?: number | undefined;
  /** The target as the report names it (default: the URL). */
  description?: string;
  settings: MeasureSettings;
  /** Lines of the results (the table, or with `json` one JSON object). */
  print(text: string): void;
  /** Print the summary and the report paths as JSON instead of the table. */
  json?: boolean;
  /** Where the progress display goes (default stderr). */
  progress?: NodeJS.WriteStream;
}

/** The innermost cause of a failed request, e.g. ECONNREFUSED. */
function rootCause(error: unknown): string {
  let detail = error instanceof Error ? error.message : String(error);
  let cause = (error as { cause?: unknown }).cause;
  while (cause instanceof Error) {
    detail = (cause as NodeJS.ErrnoException).code ?? cause.message;
    cause = cause.cause;
  }
  return detail;
}

/**
 * Measures staleness vs latency per region and read mode at `run.url`, and
 * answers the report and the files it was written to.
 *
 * @example
 * const settings = parseMeasureSettings({ duration: "5" });
 * await measureService({ url: "http://127.0.0.1:8787", settings, print: console.log });
 */
export async function measureService(run: MeasurementRun): Promise<{ report: MeasureReport; files: { json: string; html: string } }> {
  const { settings } = run;
  const api = new GeocacheApi(run.url, { token: run.token, timeoutMs: run.timeoutMs });
  const available = await api.regions().catch((error: unknown) => {
    throw new TargetError(`cannot list the regions of ${run.url}: ${rootCause(error)}`);
  });
  const regions = settings.regions ?? available;
  const writerRegions = settings.writers ?? regions;
  for (const region of [...regions, ...writerRegions]) {
    if (!available.includes(region)) throw new MeasureUsageError(`"${region}" is not one of the server's regions: ${available.join(", ")}`);
  }
  const options: WorkloadOptions = { ...settings.workload, regions, writerRegions, keyPrefix: `measure-${crypto.randomUUID()}` };
  const startedAt = new Date();
  const before = await api.stats();
  const progress = progressDisplay(run.progress);
  const result = await runWorkload(api, options, (p) => progress.update(p)).catch((error: unknown) => {
    progress.finish();
    if (!(error instanceof SeedError)) throw error;
    const hint = error.status === 401 || error.status === 403 ? " (writing as callers in other regions, X-Region, needs a token with the admin scope)" : "";
    throw new TargetError(`cannot measure ${run.url}: ${error.message}${hint}`);
  });
  progress.finish();
  const service = serviceFigures(before, await api.stats());

  const description = run.description ?? run.url;
  const report = buildReport(description, startedAt, options, result, service);
  const files = await writeReport(report, settings.out);
  if (run.json) {
    run.print(JSON.stringify({ target: description, files, summary: report.summary, service, skipped: result.skipped, failures: result.failures }));
    return { report, files };
  }
  const w = report.summary.writes;
  const o = options;
  run.print(`target: ${description}`);
  run.print(`machine: ${report.machine}`);
  run.print(
    `workload: ${o.rate} ops/s for ${o.durationMs / 1000} s, ${settings.readRatio} reads per write, ${o.keys} keys of ${o.valueBytes} B, ` +
      `writers in ${writerRegions.join(",")}; ${report.reads.length} reads, ${w.count} writes (${w.errors} failed), ` +
      `${report.visibility.length} writes polled for visibility` +
      formatVisibilityTimeouts(report.summary) +
      (result.skipped ? `; ${result.skipped} operations skipped (behind schedule)` : ""),
  );
  run.print(`service: ${serviceNote(service)}`);
  run.print(
    `latency and staleness in ms; "stale" is the share of reads older than the newest write acknowledged before they began; ` +
      `"vis" is from the write's acknowledgement to the end of the first read that returned it (at most one poll pause and one read late)\n`,
  );
  run.print(formatSummaryTable(report.summary, service));
  if (result.failures.length) run.print(`\n${result.failures.length} operations failed: ${result.failures.slice(0, 3).join("; ")}`);
  run.print(`\nreports: ${files.json}\n         ${files.html}`);
  return { report, files };
}

