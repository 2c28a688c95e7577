/**
 * The benchmark's results for people: the text table for the terminal and
 * the Markdown for the README, from the same rows.
 */
import { formatMs, renderTable } from "../scripts/measure/table";
import { BASELINES, type BaselineName } from "./cases";
import type { ReplicaMemoryFigures } from "./replica-memory";
import { missedItsTier, THROUGHPUT_TARGETS, type CaseSummary, type Target, type TargetResult } from "./summary";
import type { UnderWritesFigures } from "./under-writes";

/** Everything one run measured, as written to the JSON file. */
export interface BenchResults {
  startedAt: string;
  machine: string;
  /** The code measured: `git describe --always --dirty`. */
  commit: string;
  /** The machine's 1-minute load average when the run started and ended (other work on it shows here). */
  loadAverage: { start: number; end: number };
  settings: { rounds: number; warmupMs: number; durationMs: number; connections: number; quick: boolean; storage: string };
  cases: CaseSummary[];
  targets: TargetResult[];
  underWrites: UnderWritesFigures | null;
  replicaMemory: ReplicaMemoryFigures | null;
}

const BASELINE_COLUMNS: Record<BaselineName, string> = {
  bare: "× bare",
  "bare-headers": "× bare+hdrs",
  "object-rpc": "× DO",
  "workers-kv": "× KV",
  "cache-api": "× cache",
  "object-read": "× DO read",
  "object-write": "× DO write",
  "object-handoff": "× handoff",
};

export const TABLE_HEADERS = ["case", "size", "req/s", "p50 ms", "p99 ms", "CPU µs/req", ...BASELINES.map((b) => BASELINE_COLUMNS[b]), "targets"];

const SIZE_NAMES = { small: "100 B", large: "64 KiB" } as const;

/** A ratio as "0.87", "–" when there is none. */
export function formatRatio(ratio: number | undefined): string {
  return ratio === undefined || !Number.isFinite(ratio) ? "–" : ratio.toFixed(2);
}

function targetCell(results: readonly TargetResult[]): string {
  return results.map((t) => `${t.met ? "✓" : "✗"} ≥${t.min}× ${BASELINE_COLUMNS[t.baseline].slice(2)}`).join(", ");
}

/** One row per case: its throughput, latency, ratios to each baseline and its targets (✓ met, ✗ missed). */
export function caseRows(cases: readonly CaseSummary[], targets: readonly TargetResult[]): string[][] {
  return cases.map((c) => [
    c.label +
      (c.servedBy && c.kind !== "strong" ? ` [${servedByText(c.servedBy)}]` : "") +
      (missedItsTier(c) ? ` ⚠ not served by the ${c.expectTier}` : "") +
      (c.failed ? ` (${c.failed} failed)` : ""),
    c.size ? SIZE_NAMES[c.size] : "",
    Number.isFinite(c.throughput) ? String(Math.round(c.throughput)) : "–",
    formatMs(c.p50),
    formatMs(c.p99),
    Number.isFinite(c.cpuUsPerRequest) ? String(Math.round(c.cpuUsPerRequest)) : "–",
    ...BASELINES.map((b) => (c.kind === b ? "" : formatRatio(c.ratios[b]))),
    targetCell(targets.filter((t) => t.caseId === c.id)),
  ]);
}

/** Reads by tier as "edge 98%, replica 2%", largest first. */
export function servedByText(servedBy: NonNullable<CaseSummary["servedBy"]>): string {
  return Object.entries(servedBy)
    .sort((a, b) => b[1] - a[1])
    .map(([tier, share]) => `${tier} ${Math.round(share * 100)}%`)
    .join(", ");
}

/** The lines after the table: writes under load, visibility and the replica's memory, each with its target. */
export function figureLines(results: BenchResults): string[] {
  const lines: string[] = [];
  const w = results.underWrites;
  if (w) {
    // A read that failed is no latency: with any, the p99s leave out the slowest reads, and the ratio proves nothing.
    const readsFailed = w.readsAlone.failed + w.readsUnderWrites.failed;
    const ratioMet = w.p99Ratio <= 1.2 && readsFailed === 0;
    const visibilityMet = w.visibility.p99 <= 50;
    lines.push(
      `Eventual reads (replica, ${w.readsPerSecond}/s over ${w.keys.toLocaleString("en")} keys): p50 ${formatMs(w.readsAlone.p50)} ms, p99 ${formatMs(w.readsAlone.p99)} ms alone; ` +
        `p50 ${formatMs(w.readsUnderWrites.p50)} ms, p99 ${formatMs(w.readsUnderWrites.p99)} ms while writes run at ${w.writesPerSecond}/s ` +
        `(answered ${Math.round(w.writes.achievedRate)}/s${w.writes.skipped ? `, ${w.writes.skipped} not sent with 64 unanswered` : ""}, write p50 ${formatMs(w.writes.p50)} ms, p99 ${formatMs(w.writes.p99)} ms): ` +
        `p99 × ${w.p99Ratio.toFixed(2)} ${ratioMet ? "✓" : "✗"} (target ≤ 1.2×${readsFailed ? `; ${w.readsAlone.failed} reads failed alone and ${w.readsUnderWrites.failed} under writes` : ""}); ` +
        `workerd's thread busy ${Math.round(w.workerdBusy.alone * 100)} % with the reads alone, ${Math.round(w.workerdBusy.underWrites * 100)} % with the writes.`,
      `Replication visibility at ${w.writesPerSecond} writes/s (write answered → replica serves it, ${w.visibility.samples} samples over 9 regions${w.visibility.unseen ? `, ${w.visibility.unseen} unseen after 5 s` : ""}): ` +
        `p50 ${formatMs(w.visibility.p50)} ms, p99 ${formatMs(w.visibility.p99)} ms, max ${formatMs(w.visibility.max)} ms ${visibilityMet ? "✓" : "✗"} (target p99 ≤ 50 ms).`,
    );
  }
  lines.push(...floorLines(results.cases));
  const m = results.replicaMemory;
  if (m) {
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
    lines.push(
      `A replica holding ${m.keys.toLocaleString("en")} keys of ${m.valueBytes} B: V8 heap ${mib(m.heapBytes.empty)} → ${mib(m.heapBytes.full)} MiB (+${Math.round(m.heapBytes.delta / 1024)} KiB); ` +
        `workerd resident memory +${mib(m.rssBytes.delta)} MiB (SQLite's page cache); SQLite on disk ${mib(m.storageBytes)} MiB (${Math.round(m.storageBytes / m.keys)} B per key).`,
    );
  }
  return lines;
}

/** A target whose floor a baseline measures: the floor against the target's baseline, and the case against the floor. */
interface FloorOfTarget {
  target: Target;
  floor: BaselineName;
  floorText: string;
  baselineText: string;
  caseText: string;
}

/** The throughput target of a case kind against a baseline, as the summary judges it. */
function targetOf(kind: Target["kind"], baseline: BaselineName): Target {
  const target = THROUGHPUT_TARGETS.find((t) => t.kind === kind && t.baseline === baseline);
  if (!target) throw new Error(`no target of ${kind} against ${baseline}`);
  return target;
}

/** The targets a baseline of their own bounds: the hot key by the headers every read answers with, the 9-region PUT by a write that leaves its primary once. */
export const FLOORS_OF_TARGETS: readonly FloorOfTarget[] = [
  {
    target: targetOf("eventual-edge", "bare"),
    floor: "bare-headers",
    floorText: "an answer with a read's headers (the bare worker's constant with them)",
    baselineText: "the bare worker",
    caseText: "the hot key",
  },
  {
    target: targetOf("put-9", "object-rpc"),
    floor: "object-handoff",
    floorText: "a replicated write (a durable write handed on by one RPC)",
    baselineText: "one Durable Object RPC",
    caseText: "the 9-region PUT",
  },
];

/**
 * Each floor of a target, per size measured: the floor's baseline against
 * the target's, beside the case against the floor. A target is out of reach
 * wherever its floor is below it.
 */
export function floorLines(cases: readonly CaseSummary[], floors: readonly FloorOfTarget[] = FLOORS_OF_TARGETS): string[] {
  const lines: string[] = [];
  for (const f of floors) {
    const { kind, baseline, min } = f.target;
    for (const size of ["small", "large"] as const) {
      const floor = cases.find((c) => c.kind === f.floor && c.size === size)?.ratios[baseline];
      const measured = cases.find((c) => c.kind === kind && c.size === size);
      if (floor === undefined || !measured) continue;
      // Judged as shown, so that a floor printed as 0.80 is not called below a target of 0.8.
      const shown = formatRatio(floor);
      lines.push(
        `Floor of ${f.floorText} at ${SIZE_NAMES[size]}: ${shown}× ${f.baselineText}, ` +
          `${Number(shown) >= min ? "at or above" : "below"} ${f.caseText}'s target of ${min}×; ${f.caseText} reaches ${formatRatio(measured.ratios[f.floor])}× that floor.`,
      );
    }
  }
  return lines;
}

/** The terminal report: the table, the figures and the targets missed. */
export function terminalReport(results: BenchResults): string {
  const missed = results.targets.filter((t) => !t.met);
  return [
    renderTable(TABLE_HEADERS, caseRows(results.cases, results.targets)),
    "",
    ...figureLines(results),
    "",
    missed.length ? `Targets missed (${missed.length} of ${results.targets.length}):` : results.targets.length ? `All ${results.targets.length} throughput targets met.` : "",
    ...missed.map((t) => `  ✗ ${t.caseId}: ${t.text}: ${formatRatio(t.ratio)}×`),
    "",
    `${results.machine}, load average ${results.loadAverage.start.toFixed(1)} → ${results.loadAverage.end.toFixed(1)}; code ${results.commit}; ${results.settings.rounds} rounds of ${results.settings.durationMs} ms per case (after ${results.settings.warmupMs} ms of warm-up), ${results.settings.connections} connections, storage in ${results.settings.storage}.`,
  ].join("\n");
}

/** The same table in Markdown, for the README, with the machine it ran on. */
export function markdownReport(results: BenchResults): string {
  const escape = (cell: string) => cell.replace(/\|/g, "\\|");
  const row = (cells: string[]) => `| ${cells.map(escape).join(" | ")} |`;
  return [
    row(TABLE_HEADERS),
    row(TABLE_HEADERS.map(() => "---")),
    ...caseRows(results.cases, results.targets).map(row),
    "",
    ...figureLines(results).map((line) => `${line}\n`),
    `Measured ${results.startedAt.slice(0, 10)} on ${results.machine} (load average ${results.loadAverage.start.toFixed(1)} → ${results.loadAverage.end.toFixed(1)}), code ${results.commit}: ${results.settings.rounds} alternating rounds of ${results.settings.durationMs / 1000} s per case, ` +
      `${results.settings.connections} connections, storage in ${results.settings.storage}, medians over rounds; ratios pair each case with the baseline of the same size in the same round.`,
  ].join("\n");
}
