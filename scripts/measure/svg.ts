/**
 * Inline SVG charts for the HTML report, written out by hand: a scatter of
 * points and a set of step lines (a CDF) on logarithmic axes. No script and
 * no external asset: a `<title>` on each mark is its tooltip.
 */

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Nine colours that stay apart on white and for most colour vision (Okabe–Ito, extended). */
export const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7f7f7f", "#f0e442", "#000000"];

/** A colour from pale yellow to dark red for `t` in [0, 1], the scale of every heat map in the report. */
export function heat(t: number): string {
  const c = Math.max(0, Math.min(1, t));
  const from = [255, 247, 214];
  const to = [165, 15, 21];
  return `rgb(${from.map((f, i) => Math.round(f + (to[i]! - f) * c)).join(",")})`;
}

/** A mapping from values to pixels along one axis, with the ticks to label. */
export interface Axis {
  toPx(value: number): number;
  ticks: number[];
  label: string;
  format(value: number): string;
}

const round = (n: number) => Math.round(n * 10) / 10;

function tickLabel(value: number): string {
  if (value >= 1000) return `${value / 1000}s`;
  return String(value);
}

/**
 * A base-10 logarithmic axis over whole decades covering [min, max] (both
 * > 0), ticked at 1, 2 and 5 of each decade, onto pixels [from, to].
 */
export function logAxis(min: number, max: number, from: number, to: number, label: string): Axis {
  const lo = Math.floor(Math.log10(Math.max(min, 0.1)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, min, 0.1))));
  const ticks: number[] = [];
  for (let d = lo; d <= hi; d++) for (const m of d === hi ? [1] : [1, 2, 5]) ticks.push(m * 10 ** d);
  return {
    toPx: (v) => from + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (to - from),
    ticks: ticks.map((t) => Number(t.toPrecision(3))),
    label,
    format: (v) => (Math.log10(v) % 1 === 0 ? tickLabel(v) : ""),
  };
}

/**
 * An axis for values from 0 up, logarithmic in 1 + value so that 0 has a
 * place: ticked at 0 and each power of ten up to `max`.
 */
export function log1pAxis(max: number, from: number, to: number, label: string): Axis {
  const top = Math.max(1, Math.ceil(Math.log10(1 + Math.max(max, 9))));
  const ticks = [0, ...Array.from({ length: top }, (_, i) => 10 ** (i + 1))];
  return { toPx: (v) => from + (Math.log10(1 + Math.max(0, v)) / top) * (to - from), ticks, label, format: tickLabel };
}

/** A linear axis over [0, max] ticked every `step`. */
export function linearAxis(max: number, step: number, from: number, to: number, label: string, format: (value: number) => string = String): Axis {
  const ticks: number[] = [];
  for (let t = 0; t <= max + 1e-9; t += step) ticks.push(Number(t.toFixed(6)));
  return { toPx: (v) => from + (v / max) * (to - from), ticks, label, format };
}

/** The size of a chart and the room its axes take. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** A frame of the given size with room for tick labels and axis titles. */
export function frame(width: number, height: number): Frame {
  return { width, height, left: 48, right: width - 12, top: 26, bottom: height - 38 };
}

/** The grid, ticks and axis titles of a chart, and its title on top. */
export function axesSvg(f: Frame, x: Axis, y: Axis, title: string): string {
  const parts: string[] = [`<text x="${f.left}" y="16" class="title">${escapeXml(title)}</text>`];
  for (const t of x.ticks) {
    const px = round(x.toPx(t));
    const major = x.format(t) !== "";
    parts.push(`<line x1="${px}" y1="${f.top}" x2="${px}" y2="${f.bottom}" class="${major ? "grid" : "grid minor"}"/>`);
    if (major) parts.push(`<text x="${px}" y="${f.bottom + 14}" text-anchor="middle">${escapeXml(x.format(t))}</text>`);
  }
  for (const t of y.ticks) {
    const py = round(y.toPx(t));
    const major = y.format(t) !== "";
    parts.push(`<line x1="${f.left}" y1="${py}" x2="${f.right}" y2="${py}" class="${major ? "grid" : "grid minor"}"/>`);
    if (major) parts.push(`<text x="${f.left - 5}" y="${py + 4}" text-anchor="end">${escapeXml(y.format(t))}</text>`);
  }
  parts.push(`<rect x="${f.left}" y="${f.top}" width="${f.right - f.left}" height="${f.bottom - f.top}" class="plot"/>`);
  parts.push(`<text x="${(f.left + f.right) / 2}" y="${f.height - 6}" text-anchor="middle" class="axis">${escapeXml(x.label)}</text>`);
  parts.push(
    `<text transform="translate(12 ${(f.top + f.bottom) / 2}) rotate(-90)" text-anchor="middle" class="axis">${escapeXml(y.label)}</text>`,
  );
  return parts.join("");
}

/** One mark of a scatter: where, its colour, its tooltip, and whether it stands out (a summary point, drawn as a square `emphasis` px wide). */
export interface ScatterPoint {
  x: number;
  y: number;
  color: string;
  tip: string;
  emphasis?: number;
}

/** A scatter chart; emphasized points are outlined squares, on top of the dots, larger ones first so that smaller ones stay visible. */
export function scatterSvg(f: Frame, x: Axis, y: Axis, title: string, points: ScatterPoint[], className: string): string {
  const squares = points.filter((p) => p.emphasis).sort((a, b) => b.emphasis! - a.emphasis!);
  const marks = [...points.filter((p) => !p.emphasis), ...squares].map((p) => {
    const cx = round(x.toPx(p.x));
    const cy = round(y.toPx(p.y));
    const half = (p.emphasis ?? 0) / 2;
    const shape = p.emphasis
      ? `<rect x="${cx - half}" y="${cy - half}" width="${2 * half}" height="${2 * half}" fill="${p.color}" stroke="#000" stroke-width="1.2"/>`
      : `<circle cx="${cx}" cy="${cy}" r="2.2" fill="${p.color}" fill-opacity="0.45"/>`;
    return `<g>${shape}<title>${escapeXml(p.tip)}</title></g>`;
  });
  return svgRoot(f, className, axesSvg(f, x, y, title) + marks.join(""));
}

/** One line of a step chart: its label, colour and (x, y) steps in ascending x. */
export interface StepSeries {
  label: string;
  color: string;
  steps: Array<[number, number]>;
}

/** Step lines (a CDF: each series rises at each x to its y), with a legend on the right. */
export function stepsSvg(f: Frame, x: Axis, y: Axis, title: string, series: StepSeries[], className: string): string {
  const lines = series.map((s, i) => {
    let d = "";
    let lastY = y.toPx(0);
    s.steps.forEach(([vx, vy], j) => {
      const px = round(x.toPx(vx));
      d += j === 0 ? `M${px} ${round(lastY)}` : ` H${px}`;
      lastY = y.toPx(vy);
      d += ` V${round(lastY)}`;
    });
    const legendY = f.top + 12 + i * 15;
    return (
      `<g><path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"/><title>${escapeXml(s.label)}</title></g>` +
      `<rect x="${f.right + 10}" y="${legendY - 8}" width="10" height="10" fill="${s.color}"/>` +
      `<text x="${f.right + 24}" y="${legendY + 1}">${escapeXml(s.label)}</text>`
    );
  });
  return svgRoot({ ...f, width: f.width + 110 }, className, axesSvg(f, x, y, title) + lines.join(""));
}

/** An `<svg>` element of the frame's size around `body`. */
export function svgRoot(f: Frame, className: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="${className}" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}">${body}</svg>`;
}
