/**
 * The summary as a text table for a terminal: one row per region and read
 * mode, the region's visibility on its first row.
 */
import type { MeasureSummary } from "./recorder";
import type { ServiceFigures } from "./service-figures";

/** A duration for people: "–" for none, one decimal under 10 ms, whole ms above. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  return ms < 10 ? ms.toFixed(1) : String(Math.round(ms));
}

/** A share (0–1) as a percentage: "–" for none, one decimal under 10 %. */
export function formatShare(share: number): string {
  if (!Number.isFinite(share)) return "–";
  const percent = share * 100;
  return `${percent > 0 && percent < 10 ? percent.toFixed(1) : Math.round(percent)}%`;
}

/** Reads by tier as "edge 80% replica 20%", largest first. */
export function formatTiers(servedBy: Record<string, number>): string {
  const total = Object.values(servedBy).reduce((sum, n) => sum + n, 0);
  return Object.entries(servedBy)
    .sort((a, b) => b[1] - a[1])
    .map(([tier, n]) => `${tier} ${formatShare(n / total)}`)
    .join(" ");
}

/**
 * Lays out rows under headers with two spaces between columns; columns named
 * in `left` are left-aligned, the others right-aligned.
 */
export function renderTable(headers: string[], rows: string[][], left: ReadonlySet<number> = new Set([0])): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (left.has(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The columns of the summary table. */
export const SUMMARY_HEADERS = ["region", "mode", "reads", "p50", "p95", "p99", "stale", "stale p50", "stale p99", "served by", "vis p50", "vis p99"];

/** The columns added when the service showed its own figures: its replication lag beside the visibility measured. */
export const SERVICE_HEADERS = ["svc lag p50", "svc lag p99"];

/** The table's columns, with the service's when it showed them. */
export function summaryHeaders(service?: ServiceFigures): string[] {
  return service && !("unavailable" in service) ? [...SUMMARY_HEADERS, ...SERVICE_HEADERS] : SUMMARY_HEADERS;
}

/**
 * The rows of the region × mode table: reads, latency p50/p95/p99 (ms), the
 * share of stale reads and how stale those were (p50/p99, ms), the tiers
 * that served, and the region's visibility p50/p99 (ms) — then, when the
 * service showed them, its replication lag p50/p99 over its recent window.
 * With `grouped`, the region and its per-region figures stand on its first row only.
 */
export function summaryRows(summary: MeasureSummary, grouped: boolean, service?: ServiceFigures): string[][] {
  const seen = new Set<string>();
  const figures = service && !("unavailable" in service) ? service.regions : undefined;
  return summary.cells.map((cell) => {
    const show = !grouped || !seen.has(cell.region);
    seen.add(cell.region);
    const visibility = summary.visibility.find((v) => v.region === cell.region);
    const row = [
      show ? cell.region : "",
      cell.mode,
      cell.errors ? `${cell.reads} (${cell.errors} failed)` : String(cell.reads),
      formatMs(cell.latency.p50),
      formatMs(cell.latency.p95),
      formatMs(cell.latency.p99),
      formatShare(cell.staleShare),
      formatMs(cell.staleness.p50),
      formatMs(cell.staleness.p99),
      formatTiers(cell.servedBy),
      show && visibility ? formatMs(visibility.visibility.p50) : "",
      show && visibility ? formatMs(visibility.visibility.p99) : "",
    ];
    if (!figures) return row;
    const lag = figures[cell.region]?.lagMs.window;
    const shown = (ms: number | undefined) => (show && lag?.count ? formatMs(ms!) : "");
    return [...row, shown(lag?.p50), shown(lag?.p99)];
  });
}

/** The region × mode table as text, each region's name and per-region figures on its first row. */
export function formatSummaryTable(summary: MeasureSummary, service?: ServiceFigures): string {
  return renderTable(summaryHeaders(service), summaryRows(summary, true, service), new Set([0, 1, 9]));
}

/**
 * The regions where a polled write was never seen within the poll's time
 * limit, as " (oc: 2 of 5 never seen)", or "" when every one was: the vis
 * columns are of the writes that were seen, so these are the ones they leave out.
 */
export function formatVisibilityTimeouts(summary: Pick<MeasureSummary, "visibility">): string {
  const lost = summary.visibility.filter((v) => v.timeouts > 0).map((v) => `${v.region}: ${v.timeouts} of ${v.samples + v.timeouts} never seen`);
  return lost.length ? ` (${lost.join(", ")})` : "";
}
