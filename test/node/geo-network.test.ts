import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AZURE_RTT_P95_MS, defaultMatrix, INTRA_REGION_RTT_MS, parseMatrix } from "../../durable-objects/geo-sim/latency-matrix";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { percentile, sorted } from "../../scripts/measure/stats";
import { uniqueKey } from "./helpers";

// The shape of the simulated planet: a latency matrix of the user's own
// (GEO_SIM_MATRIX) and a region slowed down through /v1/admin/faults.

describe("parseMatrix", () => {
  it("merges the pairs it is given over the default matrix", () => {
    const matrix = parseMatrix('{"weur":{"oc":40,"weur":2},"oc":{"weur":41}}');
    expect(matrix.weur.oc).toBe(40);
    expect(matrix.oc.weur).toBe(41);
    expect(matrix.weur.weur).toBe(2);
    // Every pair left out keeps its figure.
    const untouched = defaultMatrix();
    untouched.weur.oc = 40;
    untouched.oc.weur = 41;
    untouched.weur.weur = 2;
    expect(matrix).toEqual(untouched);
    expect(defaultMatrix().weur.oc).toBe(AZURE_RTT_P95_MS.weur.oc);
    expect(defaultMatrix().oc.oc).toBe(INTRA_REGION_RTT_MS);
    expect(parseMatrix("{}")).toEqual(defaultMatrix());
  });

  it("rejects a matrix it cannot use, saying what is wrong", () => {
    const cases: Array<[json: string, message: RegExp]> = [
      ["{weur:", /not JSON/],
      ["[1, 2]", /must be a JSON object/],
      ["null", /must be a JSON object/],
      ['{"mars":{"weur":10}}', /"mars", which is not a location hint/],
      ['{"toString":{"weur":10}}', /"toString", which is not a location hint/],
      ['{"weur":{"mars":10}}', /row "weur" names "mars", which is not a location hint/],
      ['{"weur":{"constructor":10}}', /row "weur" names "constructor", which is not a location hint/],
      ['{"weur":5}', /row "weur" must be an object/],
      ['{"weur":null}', /row "weur" must be an object/],
      ['{"weur":{"oc":"40"}}', /weur → oc must be a number of ms from 0 to 10000/],
      ['{"weur":{"oc":-1}}', /weur → oc must be a number of ms from 0 to 10000/],
      ['{"weur":{"oc":10001}}', /weur → oc must be a number of ms from 0 to 10000/],
    ];
    for (const [json, message] of cases) expect(() => parseMatrix(json), json).toThrow(message);
  });
});

/** weur ↔ oc in the worker's matrix, instead of the default's 282 ms. */
const CUSTOM_RTT_MS = 40;
const SLOW_MS = 150;
const SAMPLES = 5;

let worker: LocalWorker;

beforeAll(async () => {
  const matrix = { weur: { oc: CUSTOM_RTT_MS }, oc: { weur: CUSTOM_RTT_MS } };
  worker = await startLocalWorker({ GEO_SIM: "on", GEO_SIM_MATRIX: JSON.stringify(matrix) });
}, 60_000);

afterAll(async () => {
  await fetch(`${worker.url}/v1/admin/faults`, { method: "DELETE" });
  await worker?.stop();
});

/** The median time of a few strong reads of `key` from `region`, one after another. */
async function strongReadMs(key: string, region: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    const answer = await fetch(`${worker.url}/v1/keys/${encodeURIComponent(key)}`, { headers: { "X-Region": region, "X-Consistency": "strong" } });
    await answer.arrayBuffer();
    expect(answer.status).toBe(200);
    times.push(performance.now() - started);
  }
  return percentile(sorted(times), 50);
}

async function setFaults(faults: object | null): Promise<void> {
  const answer = await fetch(`${worker.url}/v1/admin/faults`, faults ? { method: "PUT", body: JSON.stringify(faults) } : { method: "DELETE" });
  expect(answer.status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 250)); // every isolate re-reads faults within 100 ms
}

describe("the simulated network", () => {
  it("takes its round trips from the matrix given, and adds a slowed region's delay to each hop in and out of it", async () => {
    const key = uniqueKey("matrix");
    expect((await fetch(`${worker.url}/v1/keys/${encodeURIComponent(key)}`, { method: "PUT", body: "x", headers: { "X-Region": "weur" } })).status).toBe(200);
    // The yardstick: a strong read within weur costs one intra-region round trip, plus what the machine adds.
    const local = await strongReadMs(key, "weur");
    const fromOc = await strongReadMs(key, "oc");
    await setFaults({ slow: { oc: SLOW_MS } });
    const slowed = await strongReadMs(key, "oc");
    await setFaults(null);
    console.log(
      `strong read p50 of ${SAMPLES}: within weur ${local.toFixed(1)} ms; from oc ${fromOc.toFixed(1)} ms ` +
        `(matrix ${CUSTOM_RTT_MS} ms, default ${AZURE_RTT_P95_MS.oc.weur}), with oc slowed by ${SLOW_MS} ms ${slowed.toFixed(1)} ms`,
    );

    // Each way waits half the round trip, ±10 % jitter.
    expect(fromOc).toBeGreaterThanOrEqual(0.8 * CUSTOM_RTT_MS);
    expect(fromOc).toBeLessThanOrEqual(1.5 * CUSTOM_RTT_MS + local + 20);
    expect(fromOc).toBeLessThan(AZURE_RTT_P95_MS.oc.weur / 2);
    // A slowed region adds its delay to the hop out of it and to the hop back in.
    expect(slowed - fromOc).toBeGreaterThanOrEqual(0.75 * 2 * SLOW_MS);
    expect(slowed - fromOc).toBeLessThanOrEqual(1.5 * 2 * SLOW_MS + local + 20);
  }, 30_000);
});
