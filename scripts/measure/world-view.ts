/**
 * The report's world view: each region where its data centers are, on an
 * equirectangular plot with a graticule (drawn, not a map: the page loads
 * nothing), as a dot coloured by the share of its eventual reads that were
 * stale and labelled with their latency p50 and the region's visibility p50.
 * The regions the writers wrote from, where the keys' primaries live, are
 * ringed.
 */
import { REGION_COORDINATES } from "../../worker/region-coordinates";
import { isRegion } from "../../durable-objects/topology";
import type { MeasureReport } from "./report";
import { escapeXml, heat, svgRoot } from "./svg";
import { formatMs, formatShare } from "./table";

const WIDTH = 960;
const PX_PER_DEGREE = WIDTH / 360;
/** The latitudes drawn: every location hint lies between them, and the poles would only take room. */
const NORTH = 75;
const SOUTH = -60;
const TOP = 24;
const PLOT_BOTTOM = TOP + (NORTH - SOUTH) * PX_PER_DEGREE;
const HEIGHT = PLOT_BOTTOM + 44;
const GRATICULE_STEP = 30;
/** How wide a label's text runs, px per character (11 px system font), to keep labels apart. */
const CHAR_PX = 6.2;

const xOf = (lon: number) => round((lon + 180) * PX_PER_DEGREE);
const yOf = (lat: number) => round(TOP + (NORTH - lat) * PX_PER_DEGREE);
const round = (n: number) => Math.round(n * 10) / 10;

/** A stale share as the colour the stale heat map gives it (square root, so that small shares show). */
function staleColor(share: number): string {
  return Number.isFinite(share) ? heat(Math.sqrt(share)) : "#cccccc";
}

function graticule(): string {
  const lines: string[] = [];
  for (let lon = -180; lon <= 180; lon += GRATICULE_STEP) {
    lines.push(`<line x1="${xOf(lon)}" y1="${TOP}" x2="${xOf(lon)}" y2="${PLOT_BOTTOM}" class="grid"/>`);
    const name = lon === 0 ? "0°" : `${Math.abs(lon)}°${lon < 0 ? "W" : "E"}`;
    if (lon > -180 && lon < 180) lines.push(`<text x="${xOf(lon)}" y="${PLOT_BOTTOM + 12}" text-anchor="middle" class="axis">${name}</text>`);
  }
  for (let lat = -60; lat <= 60; lat += GRATICULE_STEP) {
    lines.push(`<line x1="0" y1="${yOf(lat)}" x2="${WIDTH}" y2="${yOf(lat)}" class="${lat === 0 ? "grid equator" : "grid"}"/>`);
    const name = lat === 0 ? "0°" : `${Math.abs(lat)}°${lat < 0 ? "S" : "N"}`;
    lines.push(`<text x="4" y="${yOf(lat) - 3}" class="axis">${name}</text>`);
  }
  lines.push(`<rect x="0" y="${TOP}" width="${WIDTH}" height="${PLOT_BOTTOM - TOP}" class="plot"/>`);
  return lines.join("");
}

/** One region as the world view shows it. */
interface Placed {
  region: string;
  x: number;
  y: number;
  home: boolean;
  staleShare: number;
  /** The lines under the region's name. */
  lines: string[];
  tip: string;
}

/**
 * Whether the label goes left of the dot: when on the right it would run
 * into another region's dot or off the plot, and on the left it would not
 * run off it.
 */
function labelOnLeft(place: Placed, all: Placed[]): boolean {
  const width = CHAR_PX * Math.max(place.region.length, ...place.lines.map((line) => line.length)) + 14;
  const blocked =
    place.x + width > WIDTH ||
    all.some((other) => other !== place && other.x > place.x && other.x - place.x < width && Math.abs(other.y - place.y) < 36);
  return blocked && place.x - width >= 0;
}

function regionMark(place: Placed, left: boolean): string {
  const gap = place.home ? 15 : 11;
  const x = place.x + (left ? -gap : gap);
  const anchor = left ? "end" : "start";
  const ring = place.home ? `<circle cx="${place.x}" cy="${place.y}" r="11" fill="none" stroke="#000" stroke-width="2" class="home"/>` : "";
  const lines = place.lines.map((line, i) => `<text x="${x}" y="${place.y + 9 + 12 * i}" text-anchor="${anchor}" class="figures">${escapeXml(line)}</text>`);
  return (
    `<g class="region" data-region="${escapeXml(place.region)}" data-home="${place.home}">` +
    `<circle cx="${place.x}" cy="${place.y}" r="7" fill="${staleColor(place.staleShare)}" stroke="#333" stroke-width="1" class="dot"/>${ring}` +
    `<text x="${x}" y="${place.y - 4}" text-anchor="${anchor}" class="title">${escapeXml(place.region)}</text>${lines.join("")}` +
    `<title>${escapeXml(place.tip)}</title></g>`
  );
}

function legend(): string {
  const y = HEIGHT - 14;
  const swatches = [0, 0.02, 0.1, 0.25, 0.5, 1].map((share, i) => {
    const x = 150 + i * 56;
    return `<circle cx="${x}" cy="${y - 4}" r="6" fill="${staleColor(share)}" stroke="#333"/><text x="${x + 10}" y="${y}">${formatShare(share)}</text>`;
  });
  const ringX = 150 + 6 * 56 + 30;
  return (
    `<text x="0" y="${y}" class="axis">eventual reads stale:</text>${swatches.join("")}` +
    `<circle cx="${ringX}" cy="${y - 4}" r="9" fill="none" stroke="#000" stroke-width="2"/>` +
    `<text x="${ringX + 14}" y="${y}">writers' region (the primaries' home)</text>`
  );
}

/**
 * The world view as an HTML section: an SVG with a dot per region of the
 * report that is a location hint (others are named below it, unplaced).
 */
export function worldView(report: MeasureReport): string {
  const homes = new Set(report.options.writerRegions);
  const placed: Placed[] = [];
  const unplaced: string[] = [];
  for (const region of report.regions) {
    if (!isRegion(region)) {
      unplaced.push(region);
      continue;
    }
    const { lat, lon } = REGION_COORDINATES[region];
    const eventual = report.summary.cells.find((c) => c.region === region && c.mode === "eventual");
    const visibility = report.summary.visibility.find((v) => v.region === region)?.visibility;
    const latency = eventual ? formatMs(eventual.latency.p50) : "–";
    const shown = visibility ? formatMs(visibility.p50) : "–";
    placed.push({
      region,
      x: xOf(lon),
      y: yOf(lat),
      home: homes.has(region),
      staleShare: eventual?.staleShare ?? Number.NaN,
      lines: [`eventual ${latency} ms`, `visible ${shown} ms`],
      tip:
        `${region}${homes.has(region) ? " (writers here)" : ""}: eventual reads p50 ${latency} ms, ` +
        `stale ${formatShare(eventual?.staleShare ?? Number.NaN)}; visibility p50 ${shown} ms, p99 ${visibility ? formatMs(visibility.p99) : "–"} ms`,
    });
  }
  const marks = placed.map((place) => regionMark(place, labelOnLeft(place, placed)));
  const title = `<text x="0" y="16" class="title">regions where their data centers are (equirectangular, ${GRATICULE_STEP}° graticule)</text>`;
  const frame = { width: WIDTH, height: HEIGHT, left: 0, right: WIDTH, top: TOP, bottom: PLOT_BOTTOM };
  const note = unplaced.length ? `<p class="note">Not location hints, so not placed: ${escapeXml(unplaced.join(", "))}.</p>` : "";
  return `<h2>The regions on the globe</h2>
<p class="note">Each region at its data centers' coordinates, coloured by the share of its eventual reads that were stale, and labelled with their latency p50 and the region's visibility p50 (ms). Ringed: the regions the writers wrote from, where every key's primary lives.</p>
<div class="charts" id="world-view">${svgRoot(frame, "world", title + graticule() + marks.join("") + legend())}</div>${note}`;
}
