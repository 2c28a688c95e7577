import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { apiUrl, eventually, REGIONS, uniqueKey } from "./helpers";

let worker: LocalWorker;

beforeAll(async () => {
  worker = await startLocalWorker({ GEO_SIM: "on" });
}, 60_000);

afterAll(async () => {
  await fetch(`${worker.url}/v1/admin/faults`, { method: "DELETE" });
  await worker.stop();
});

function keyUrl(key: string): string {
  return `${worker.url}/v1/keys/${encodeURIComponent(key)}`;
}

async function read(key: string, region: string, consistency = "eventual") {
  const started = performance.now();
  const answer = await fetch(keyUrl(key), { headers: { "X-Region": region, "X-Consistency": consistency } });
  await answer.arrayBuffer();
  return {
    status: answer.status,
    version: Number(answer.headers.get("X-Version")),
    stalenessMs: Number(answer.headers.get("X-Staleness-Ms")),
    ms: performance.now() - started,
  };
}

async function setFaults(faults: object | null): Promise<void> {
  const answer = await fetch(`${worker.url}/v1/admin/faults`, faults ? { method: "PUT", body: JSON.stringify(faults) } : { method: "DELETE" });
  expect(answer.status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 250)); // every isolate re-reads faults within 100 ms
}

describe("the geo simulation under faults", () => {
  it("keeps a cut-off region serving its copies with growing staleness, fails strong reads fast, and converges when lifted", async () => {
    const keys = Array.from({ length: 5 }, (_, i) => uniqueKey(`cut-${i}`));
    for (const key of keys) expect((await fetch(keyUrl(key), { method: "PUT", body: "v1", headers: { "X-Region": "weur" } })).status).toBe(200);
    await eventually(async () => (await Promise.all(keys.map((key) => read(key, "oc")))).every((r) => r.version === 1), 10_000, "v1 in oc");

    // A strong read from oc crosses the planet to weur and back (about 282 ms in the matrix).
    const uncut = await read(keys[0]!, "oc", "strong");
    expect(uncut.status).toBe(200);

    await setFaults({ cut: ["oc"] });
    for (const key of keys) expect((await fetch(keyUrl(key), { method: "PUT", body: "v2", headers: { "X-Region": "weur" } })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const during = await Promise.all(keys.map((key) => read(key, "oc")));
    const staleShare = during.filter((r) => r.version < 2).length / keys.length;
    expect(staleShare).toBe(1);
    expect(during.every((r) => r.status === 200 && r.stalenessMs >= 1_000)).toBe(true);
    const elsewhere = await Promise.all(keys.map((key) => read(key, "eeur")));
    expect(elsewhere.every((r) => r.version === 2)).toBe(true);

    // Across the cut it fails at once instead of waiting out the trip. The first
    // error a local worker logs costs it tens of ms of loading source maps, so
    // the second one is timed.
    expect((await read(keys[1]!, "oc", "strong")).status).toBe(503);
    const strong = await read(keys[0]!, "oc", "strong");
    expect(strong.status).toBe(503);
    expect(strong.ms).toBeLessThan(uncut.ms / 2);

    await setFaults(null);
    // Backoff is capped at 10 s: every pending push is retried within it.
    await eventually(
      async () => (await Promise.all(keys.map((key) => read(key, "oc")))).every((r) => r.version === 2),
      15_000,
      "every key at version 2 in oc after the cut is lifted",
    );
    // A primary reports the recovery just after the replica applied the push.
    const pushes = async () =>
      ((await (await fetch(`${worker.url}/v1/stats`)).json()) as { regions: Record<string, { pushes: { pending: number; retried: number } }> })
        .regions.oc!.pushes;
    await eventually(async () => (await pushes()).pending === 0, 5_000, "no pushes pending to oc");
    expect((await pushes()).retried).toBeGreaterThanOrEqual(keys.length);
  }, 45_000);

  it("loses no write when a share of replication messages is dropped, duplicated by retries, or delayed", async () => {
    await setFaults({ dropShare: 0.3, delayShare: 0.3, delayMs: 150 });
    const keys = Array.from({ length: 8 }, (_, i) => uniqueKey(`lossy-${i}`));
    const written = await Promise.all(
      keys.map(async (key) => {
        let version = 0;
        for (let i = 1; i <= 3; i++) {
          const answer = await fetch(keyUrl(key), { method: "PUT", body: `v${i}`, headers: { "X-Region": "enam" } });
          version = ((await answer.json()) as { version: number }).version;
        }
        return version;
      }),
    );
    await setFaults(null);
    await eventually(
      async () => {
        const reads = await Promise.all(keys.flatMap((key) => REGIONS.map((region) => read(key, region))));
        return reads.every((r, i) => r.version === written[Math.floor(i / REGIONS.length)]);
      },
      20_000,
      "every acknowledged write in every region",
    );
  }, 45_000);

  it("rejects faults that do not parse, and has no fault endpoint outside the simulation", async () => {
    const bad = await fetch(`${worker.url}/v1/admin/faults`, { method: "PUT", body: JSON.stringify({ cut: ["mars"] }) });
    expect(bad.status).toBe(400);
    // The shared test worker runs without GEO_SIM, as production does.
    const absent = await fetch(apiUrl("/v1/admin/faults"), { method: "PUT", body: JSON.stringify({ cut: ["oc"] }) });
    expect(absent.status).toBe(404);
  });
});
