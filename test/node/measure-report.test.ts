import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { GeocacheApi, READ_MODES } from "../../scripts/measure/api";
import { buildReport, writeReport, type MeasureReport } from "../../scripts/measure/report";
import { serviceFigures } from "../../scripts/measure/service-figures";
import { heat } from "../../scripts/measure/svg";
import { formatMs } from "../../scripts/measure/table";
import { DEFAULT_WORKLOAD, runWorkload } from "../../scripts/measure/workload";
import { launchChromium, type HeadlessBrowser } from "../support/browser";

// A short measurement against the node project's worker (no geo simulation,
// the edge tier on), written as JSON and HTML into reports/, and the HTML
// opened in headless Chromium: it must load without a console error or a
// page error and draw every chart, the world view of the regions included.

let report: MeasureReport;
let files: { json: string; html: string };
let browser: HeadlessBrowser;

beforeAll(async () => {
  const api = new GeocacheApi(inject("baseUrl"));
  const regions = await api.regions();
  const options = {
    ...DEFAULT_WORKLOAD,
    regions,
    writerRegions: ["weur", "oc"],
    modes: [...READ_MODES],
    rate: 60,
    durationMs: 3000,
    keys: 8,
    readShare: 0.8,
    visibilityShare: 0.5,
    settleMs: 300,
    keyPrefix: `measure-report-${crypto.randomUUID()}`,
  };
  const startedAt = new Date();
  const before = await api.stats();
  const result = await runWorkload(api, options);
  report = buildReport(inject("baseUrl"), startedAt, options, result, serviceFigures(before, await api.stats()));
  files = await writeReport(report, "reports");
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

it("records every region and mode, and session reads see their own client's writes", () => {
  expect(report.failures).toEqual([]);
  expect(report.summary.cells).toHaveLength(report.regions.length * READ_MODES.length);
  for (const cell of report.summary.cells) {
    expect(cell.reads, `${cell.region} ${cell.mode}`).toBeGreaterThan(0);
    expect(cell.errors, `${cell.region} ${cell.mode}`).toBe(0);
    expect(cell.ownWritesMissed, `${cell.region} ${cell.mode}`).toBe(0);
    if (cell.mode === "strong") expect(cell.staleShare, `${cell.region} strong`).toBe(0);
  }
  expect(report.visibility.length).toBeGreaterThan(0);
  expect(report.reads.every((r) => r.servedBy !== null)).toBe(true);
  // The service's own figures for the run: every region applied the run's writes and counted its reads.
  const service = report.service!;
  expect(service).toHaveProperty("regions");
  for (const region of report.regions) {
    const figures = (service as Extract<typeof service, { regions: unknown }>).regions[region]!;
    expect(figures.applied, region).toBeGreaterThan(0);
    expect(figures.lagMs.window.count, region).toBeGreaterThan(0);
    expect(figures.reads.total, region).toBeGreaterThanOrEqual(report.reads.filter((r) => r.region === region).length);
  }
});

it("opens in headless Chromium without errors and draws every chart", async () => {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page: ${error.message}`));
  page.on("requestfailed", (request) => problems.push(`request: ${request.url()}`));
  await page.goto(pathToFileURL(files.html).href, { waitUntil: "load" });

  const charts = await page.$$eval("svg", (svgs) =>
    svgs.map((svg) => {
      const box = svg.getBoundingClientRect();
      return { className: svg.getAttribute("class"), width: box.width, height: box.height, marks: svg.querySelectorAll("circle, rect, path").length };
    }),
  );
  const scatters = charts.filter((c) => c.className === "scatter");
  const cdfs = charts.filter((c) => c.className === "cdf");
  expect(scatters).toHaveLength(report.regions.length);
  expect(cdfs).toHaveLength(1);
  for (const chart of charts) {
    expect(chart.width).toBeGreaterThan(100);
    expect(chart.height).toBeGreaterThan(100);
  }
  // Each region's scatter has a dot per read drawn (at least one per mode) and a square per mode.
  for (const scatter of scatters) expect(scatter.marks).toBeGreaterThan(2 * READ_MODES.length);
  // The CDF has a line per region that saw a sampled write.
  expect(await page.$$eval("svg.cdf path", (paths) => paths.filter((p) => (p.getAttribute("d") ?? "").length > 10).length)).toBe(
    report.regions.length,
  );
  // The heat maps: a row per region under the header, a cell per mode.
  // The full table carries the service's lag beside the measured visibility.
  expect(await page.$$eval("#summary-table th", (cells) => cells.map((c) => c.textContent))).toEqual(
    expect.arrayContaining(["vis p50", "svc lag p50", "svc lag p99"]),
  );
  for (const id of ["latency-heatmap", "stale-heatmap"]) {
    expect(await page.$$eval(`#${id} tr`, (rows) => rows.length)).toBe(report.regions.length + 1);
    expect(await page.$$eval(`#${id} td[style]`, (cells) => cells.length)).toBe(report.regions.length * READ_MODES.length);
  }
  // The world view: a dot per region where its data centers are, coloured by its eventual stale share,
  // labelled with its eventual p50 and visibility p50, the writers' regions ringed.
  const regions = await page.$$eval("svg.world g.region", (groups) =>
    groups.map((g) => {
      const dot = g.querySelector("circle.dot")!;
      return {
        region: g.getAttribute("data-region")!,
        x: Number(dot.getAttribute("cx")),
        y: Number(dot.getAttribute("cy")),
        fill: dot.getAttribute("fill"),
        ringed: g.querySelector("circle.home") !== null,
        text: [...g.querySelectorAll("text")].map((t) => t.textContent).join(" "),
      };
    }),
  );
  expect(regions.map((r) => r.region)).toEqual(report.regions);
  for (const shown of regions) {
    const eventual = report.summary.cells.find((c) => c.region === shown.region && c.mode === "eventual")!;
    const visibility = report.summary.visibility.find((v) => v.region === shown.region)!.visibility;
    expect(shown.text, shown.region).toBe(`${shown.region} eventual ${formatMs(eventual.latency.p50)} ms visible ${formatMs(visibility.p50)} ms`);
    expect(shown.fill, shown.region).toBe(heat(Math.sqrt(eventual.staleShare)));
    expect(shown.ringed, shown.region).toBe(report.options.writerRegions.includes(shown.region));
  }
  const at = (region: string) => regions.find((r) => r.region === region)!;
  // East is right and north is up: Sydney lies east and south of Amsterdam, São Paulo west and south.
  expect(at("oc").x).toBeGreaterThan(at("weur").x);
  expect(at("oc").y).toBeGreaterThan(at("weur").y);
  expect(at("sam").x).toBeLessThan(at("weur").x);
  expect(at("sam").y).toBeGreaterThan(at("weur").y);
  await page.screenshot({ path: files.html.replace(/\.html$/, ".png"), fullPage: true });
  expect(problems).toEqual([]);
});
