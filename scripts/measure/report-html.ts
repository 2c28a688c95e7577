/**
 * The HTML report: one page with no script and no external asset — the
 * region × mode heat maps, the regions on the globe, latency against
 * staleness per region, the visibility CDF per region, and the full table.
 */
import type { ReadMode } from "./api";
import type { CellSummary, ReadRecord } from "./recorder";
import type { MeasureReport } from "./report";
import { cdf, extent, percentile, sorted } from "./stats";
import { escapeXml, frame, heat, linearAxis, log1pAxis, logAxis, PALETTE, scatterSvg, stepsSvg, type ScatterPoint } from "./svg";
import { serviceNote } from "./service-figures";
import { formatMs, formatShare, formatTiers, summaryHeaders, summaryRows } from "./table";
import { worldView } from "./world-view";

/** Reads drawn per region in the latency-vs-staleness charts at most; the rest are left out evenly. */
const POINTS_PER_REGION = 600;

const MODE_COLORS: Record<ReadMode, string> = { strong: PALETTE[5]!, bounded: PALETTE[1]!, session: PALETTE[2]!, eventual: PALETTE[0]! };

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1b1b1b; max-width: 1200px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; }
.meta { color: #555; } .meta dt { font-weight: 600; float: left; width: 110px; } .meta dd { margin: 0 0 2px 120px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { padding: 4px 8px; border: 1px solid #ddd; text-align: right; }
th { background: #f4f4f4; } td.name, th.name { text-align: left; } td small { opacity: .8; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
svg text { font: 11px system-ui, sans-serif; fill: #333; } svg .title { font-weight: 600; font-size: 12px; } svg .axis { fill: #555; }
svg .grid { stroke: #ddd; stroke-width: 1; } svg .minor { stroke: #f0f0f0; } svg .plot { fill: none; stroke: #999; }
svg .equator { stroke: #bbb; } svg .figures { font-size: 10.5px; fill: #444; }
.legend span { display: inline-block; margin-right: 14px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
.note { color: #555; max-width: 900px; }
`;

function heatCell(text: string, t: number, tip: string): string {
  const style = Number.isFinite(t) ? ` style="background:${heat(t)};color:${t > 0.55 ? "#fff" : "#000"}"` : "";
  return `<td${style} title="${escapeXml(tip)}">${text}</td>`;
}

function heatMaps(report: MeasureReport): string {
  const cell = (region: string, mode: ReadMode) => report.summary.cells.find((c) => c.region === region && c.mode === mode)!;
  const [min, max] = extent(report.summary.cells.map((c) => c.latency.p50).filter(Number.isFinite));
  const lo = Math.log10(Math.max(1, min || 1));
  const hi = Math.log10(Math.max(2, max || 2));
  const head = `<tr><th class="name">region</th>${report.modes.map((m) => `<th>${m}</th>`).join("")}</tr>`;
  const latencyRows = report.regions.map((region) => {
    const tds = report.modes.map((mode) => {
      const c = cell(region, mode);
      const t = (Math.log10(Math.max(1, c.latency.p50)) - lo) / Math.max(1e-9, hi - lo);
      return heatCell(`${formatMs(c.latency.p50)} <small>/ ${formatMs(c.latency.p99)}</small>`, t, cellTip(c));
    });
    return `<tr><td class="name">${escapeXml(region)}</td>${tds.join("")}</tr>`;
  });
  const staleRows = report.regions.map((region) => {
    const tds = report.modes.map((mode) => {
      const c = cell(region, mode);
      const text = `${formatShare(c.staleShare)}${c.staleness.count ? ` <small>p99 ${formatMs(c.staleness.p99)} ms</small>` : ""}`;
      return heatCell(text, Number.isFinite(c.staleShare) ? Math.sqrt(c.staleShare) : Number.NaN, cellTip(c));
    });
    return `<tr><td class="name">${escapeXml(region)}</td>${tds.join("")}</tr>`;
  });
  return `<h2>Region × mode</h2>
<div class="charts"><div><p>Read latency p50 / p99 (ms)</p><table class="heatmap" id="latency-heatmap">${head}${latencyRows.join("")}</table></div>
<div><p>Stale reads, and how stale those were (p99)</p><table class="heatmap" id="stale-heatmap">${head}${staleRows.join("")}</table></div></div>`;
}

function cellTip(c: CellSummary): string {
  return (
    `${c.region} ${c.mode}: ${c.reads} reads, latency p50 ${formatMs(c.latency.p50)} p95 ${formatMs(c.latency.p95)} ` +
    `p99 ${formatMs(c.latency.p99)} ms; stale ${formatShare(c.staleShare)} (p50 ${formatMs(c.staleness.p50)}, ` +
    `p99 ${formatMs(c.staleness.p99)} ms); ${formatTiers(c.servedBy)}`
  );
}

/** Every nth read, so that a chart keeps at most `limit` of them, in order. */
function thin<T>(items: T[], limit: number): T[] {
  if (items.length <= limit) return items;
  const step = items.length / limit;
  return Array.from({ length: limit }, (_, i) => items[Math.floor(i * step)]!);
}

function latencyVsStaleness(report: MeasureReport): string {
  const ok = report.reads.filter((r) => r.status === 200);
  const [fastest, slowest] = extent(ok.map((r) => r.latencyMs));
  const maxStaleness = extent(ok.map((r) => r.stalenessMs))[1] || 0;
  const charts = report.regions.map((region) => {
    const f = frame(360, 240);
    const x = logAxis(Math.min(fastest || 1, 1), Math.max(slowest || 10, 10), f.left, f.right, "read latency (ms, log)");
    const y = log1pAxis(maxStaleness, f.bottom, f.top, "staleness (ms)");
    const reads = ok.filter((r) => r.region === region);
    const points: ScatterPoint[] = thin(reads, POINTS_PER_REGION).map((r: ReadRecord) => ({
      x: r.latencyMs,
      y: r.stalenessMs,
      color: MODE_COLORS[r.mode],
      tip: `${r.mode}: ${formatMs(r.latencyMs)} ms from ${r.servedBy ?? "?"}${r.stale ? `, ${r.versionsBehind} versions and ${formatMs(r.stalenessMs)} ms behind` : ", fresh"}`,
    }));
    for (const [i, mode] of report.modes.entries()) {
      const mine = reads.filter((r) => r.mode === mode);
      if (!mine.length) continue;
      const p50 = percentile(sorted(mine.map((r) => r.latencyMs)), 50);
      const p99 = percentile(sorted(mine.map((r) => r.stalenessMs)), 99);
      points.push({ x: p50, y: p99, color: MODE_COLORS[mode], emphasis: 14 - 3 * i, tip: `${mode}: latency p50 ${formatMs(p50)} ms, staleness p99 ${formatMs(p99)} ms` });
    }
    return scatterSvg(f, x, y, region, points, "scatter");
  });
  const legend = report.modes.map((m) => `<span><i style="background:${MODE_COLORS[m]}"></i>${m}</span>`).join("");
  return `<h2>Latency vs staleness</h2>
<p class="note">Each dot is a read: its latency, and how long before it was sent a newer version than the one it returned had been acknowledged (0: fresh). Squares: each mode's latency p50 against its staleness p99 (nested where they meet).</p>
<p class="legend">${legend}</p><div class="charts" id="staleness-charts">${charts.join("")}</div>`;
}

function visibilityCdf(report: MeasureReport): string {
  const series = report.regions
    .map((region, i) => {
      const samples = report.visibility.map((v) => v.regions[region]?.ms).filter((ms): ms is number => typeof ms === "number");
      return { label: region, color: PALETTE[i % PALETTE.length]!, steps: cdf(samples) };
    })
    .filter((s) => s.steps.length > 0);
  if (!series.length) return `<h2>Visibility</h2><p>No write was sampled for visibility.</p>`;
  const [first, last] = extent(series.flatMap((s) => s.steps.map(([v]) => v)));
  const f = frame(640, 320);
  const x = logAxis(first, last, f.left, f.right, "ms from the write's acknowledgement (log)");
  const y = linearAxis(1, 0.25, f.bottom, f.top, "share of sampled writes", (v) => `${Math.round(v * 100)}%`);
  const timeouts = report.summary.visibility.reduce((n, v) => n + v.timeouts, 0);
  return `<h2>Visibility</h2>
<p class="note">When an eventual reader in each region first got a sampled write (${report.visibility.length} writes; ${timeouts} region polls gave up). The edge tier serves a copy until it is older than its maximum age, so this includes the staleness it adds.</p>
<div class="charts" id="visibility-chart">${stepsSvg(f, x, y, "visibility CDF per region", series, "cdf")}</div>`;
}

function fullTable(report: MeasureReport): string {
  const rows = summaryRows(report.summary, false, report.service).map(
    (row) => `<tr>${row.map((text, i) => `<td${i < 2 || i === 9 ? ' class="name"' : ""}>${escapeXml(text)}</td>`).join("")}</tr>`,
  );
  const headers = summaryHeaders(report.service);
  return `<h2>All figures (ms)</h2><table id="summary-table"><tr>${headers.map((h) => `<th>${h}</th>`).join("")}</tr>${rows.join("")}</table>`;
}

/** The report as one HTML page. */
export function renderHtml(report: MeasureReport): string {
  const o = report.options;
  const w = report.summary.writes;
  const meta: Array<[string, string]> = [
    ["target", report.target],
    ["machine", report.machine],
    ["started", report.startedAt],
    ["workload", `${o.rate} ops/s for ${o.durationMs / 1000} s, ${Math.round(o.readShare * 100)}% reads, ${o.keys} keys of ${o.valueBytes} B; bounded reads at ${o.maxStalenessMs} ms`],
    ["writers", `${o.writerRegions.join(", ")}: ${w.count} writes (${w.errors} failed), latency p50 ${formatMs(w.latency.p50)} ms, p99 ${formatMs(w.latency.p99)} ms`],
    ["readers", `${report.regions.join(", ")}; ${report.reads.length} reads${report.skipped ? `; ${report.skipped} operations skipped (behind schedule)` : ""}`],
  ];
  if (report.service) meta.push(["service", serviceNote(report.service)]);
  if (report.failures.length) meta.push(["failures", `${report.failures.length}: ${report.failures.slice(0, 3).join("; ")}`]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>geocache: staleness vs latency per region</title><style>${STYLE}</style></head>
<body><h1>geocache: staleness vs latency per region</h1>
<dl class="meta">${meta.map(([k, v]) => `<dt>${k}</dt><dd>${escapeXml(v)}</dd>`).join("")}</dl>
${heatMaps(report)}
${worldView(report)}
${latencyVsStaleness(report)}
${visibilityCdf(report)}
${fullTable(report)}
</body></html>
`;
}
