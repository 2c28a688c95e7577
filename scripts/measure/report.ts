/**
 * A measurement's report: what was measured, where and how, the summary and
 * every record; written as JSON and as a self-contained HTML page.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ReadMode } from "./api";
import { describeMachine } from "./machine";
import type { MeasureSummary, ReadRecord, VisibilityRecord, WriteRecord } from "./recorder";
import { renderHtml } from "./report-html";
import type { ServiceFigures } from "./service-figures";
import type { WorkloadOptions, WorkloadResult } from "./workload";

/** Everything one run measured, as written to the JSON file. */
export interface MeasureReport {
  /** The origin measured, or a description of the local worker. */
  target: string;
  machine: string;
  /** When the run began (ISO 8601). */
  startedAt: string;
  options: WorkloadOptions;
  regions: string[];
  modes: ReadMode[];
  summary: MeasureSummary;
  /** The service's own figures for the run (`/v1/stats`), when it showed them. */
  service?: ServiceFigures;
  skipped: number;
  failures: string[];
  reads: ReadRecord[];
  writes: WriteRecord[];
  visibility: VisibilityRecord[];
}

/** Puts a finished run together with its summary per region (in the order of `options.regions`) and mode. */
export function buildReport(
  target: string,
  startedAt: Date,
  options: WorkloadOptions,
  result: WorkloadResult,
  service?: ServiceFigures,
): MeasureReport {
  const { recorder } = result;
  return {
    target,
    machine: describeMachine(),
    startedAt: startedAt.toISOString(),
    options,
    regions: options.regions,
    modes: options.modes,
    summary: recorder.summarize(options.regions, options.modes),
    ...(service ? { service } : {}),
    skipped: result.skipped,
    failures: result.failures,
    reads: recorder.reads,
    writes: recorder.writes,
    visibility: recorder.visibility,
  };
}

/**
 * Writes `measure-<time>.json` and `measure-<time>.html` into `dir` (made if
 * missing) and answers their paths.
 */
export async function writeReport(report: MeasureReport, dir: string): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, "-").replace(/Z$/, "");
  const json = join(dir, `measure-${stamp}.json`);
  const html = join(dir, `measure-${stamp}.html`);
  await writeFile(json, `${JSON.stringify(report, null, 1)}\n`);
  await writeFile(html, renderHtml(report));
  return { json, html };
}
