import { afterAll, beforeAll, expect, it } from "vitest";
import { defaultMatrix } from "../../durable-objects/geo-sim/latency-matrix";
import type { Region } from "../../durable-objects/topology";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { GeocacheApi, type ReadMode } from "../../scripts/measure/api";
import { formatSummaryTable } from "../../scripts/measure/table";
import { DEFAULT_WORKLOAD, runWorkload } from "../../scripts/measure/workload";

// The staleness-vs-latency measurement against the geo simulation: writers
// in weur (so every primary lives there), readers in all nine regions. The
// edge tier is off, so that an eventual read and a visibility poll reach the
// region's replica: the figures are then the costs the simulation models
// (the intra-region hop, the trip to the primary, the replication delay)
// rather than how long the edge keeps a copy, which the CLI measures by
// default. Margins are generous: the machine has two cores and other tests
// run beside this one.

const HOME: Region = "weur";
const MODES: ReadMode[] = ["strong", "eventual"];
/** The pause between visibility polls of a region; a figure is at most this plus one intra-region read late. */
const POLL_MS = 20;

let worker: LocalWorker;

beforeAll(async () => {
  worker = await startLocalWorker({ GEO_SIM: "on", EDGE_CACHE_MAX_AGE_MS: "0" });
});

afterAll(async () => {
  await worker?.stop();
});

it("shows eventual reads at the intra-region hop, strong reads at the round trip to the primary, visibility at the one-way delay", async () => {
  const api = new GeocacheApi(worker.url);
  const regions = (await api.regions()) as Region[];
  const { recorder, failures, skipped } = await runWorkload(api, {
    ...DEFAULT_WORKLOAD,
    regions,
    writerRegions: [HOME],
    modes: MODES,
    rate: 40,
    durationMs: 6000,
    keys: 16,
    readShare: 0.75,
    visibilityShare: 0.3,
    visibilityConcurrency: 1,
    polling: { pollMs: POLL_MS, timeoutMs: 5000 },
    keyPrefix: `measure-geo-${crypto.randomUUID()}`,
  });
  const summary = recorder.summarize(regions, MODES);
  console.log(formatSummaryTable(summary));

  expect(failures).toEqual([]);
  expect(skipped).toBe(0);
  expect(summary.writes.errors).toBe(0);
  const matrix = defaultMatrix();
  // A strong read within weur costs one intra-region hop, as an eventual read
  // anywhere should: it is the yardstick for what a busy machine adds to a hop.
  const local = summary.cells.find((c) => c.region === HOME && c.mode === "strong")!.latency.p50;
  for (const cell of summary.cells) {
    expect(cell.errors, `${cell.region} ${cell.mode} failed reads`).toBe(0);
    expect(cell.reads, `${cell.region} ${cell.mode} reads`).toBeGreaterThanOrEqual(5);
    // Strong reads are linearizable: never older than a write acknowledged before they began.
    if (cell.mode === "strong") expect(cell.staleShare, `${cell.region} strong stale share`).toBe(0);
    // An eventual read costs the hop to the region's replica (4 ms in the matrix), not the trip to weur.
    if (cell.mode === "eventual") {
      expect(cell.latency.p50, `${cell.region} eventual p50 (strong in ${HOME}: ${local} ms)`).toBeLessThan(Math.max(40, 2 * local + 20));
    }
  }

  // A strong read from far away pays the round trip to the primary's region.
  for (const far of ["oc", "sam"] as const) {
    const rtt = (matrix[far][HOME] + matrix[HOME][far]) / 2;
    const p50 = summary.cells.find((c) => c.region === far && c.mode === "strong")!.latency.p50;
    expect(p50, `strong p50 from ${far} (RTT ${rtt} ms)`).toBeGreaterThanOrEqual(0.7 * rtt);
    expect(p50, `strong p50 from ${far} (RTT ${rtt} ms)`).toBeLessThanOrEqual(1.5 * rtt + 30);
  }

  // A write becomes visible in each region about one one-way delay from weur
  // later: at most 1.5 × that + 20 ms of processing, + POLL_MS + one
  // intra-region read (what a strong read within weur took) for the poll
  // that sees it; and not sooner than the simulated travel allows (−10 %
  // jitter, less margin).
  for (const visibility of summary.visibility) {
    const oneWay = matrix[HOME][visibility.region as Region] / 2;
    expect(visibility.timeouts, `${visibility.region} visibility timeouts`).toBe(0);
    expect(visibility.samples, `${visibility.region} visibility samples`).toBeGreaterThanOrEqual(5);
    expect(visibility.visibility.p50, `${visibility.region} visibility p50 (one-way ${oneWay} ms)`).toBeLessThanOrEqual(
      1.5 * oneWay + 20 + POLL_MS + Math.max(10, local),
    );
    expect(visibility.visibility.p50, `${visibility.region} visibility p50 (one-way ${oneWay} ms)`).toBeGreaterThanOrEqual(0.7 * oneWay);
  }
}, 60_000);
