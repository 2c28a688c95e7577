import { describe, expect, inject, it } from "vitest";
import { GeocacheApi, type ReadAnswer, type WriteAnswer } from "../../scripts/measure/api";
import { Recorder } from "../../scripts/measure/recorder";
import { formatVisibilityTimeouts } from "../../scripts/measure/table";
import { cdf, distribution, extent, percentile } from "../../scripts/measure/stats";

// How the measurement judges a read: against the writes acknowledged before
// it was sent, by versions and by the time since the first newer version was
// acknowledged; first on made-up timings, then over real HTTP, where the edge
// tier serves an old copy after a write elsewhere.

const write = (version: number, startedAt: number, endedAt: number): WriteAnswer => ({ startedAt, endedAt, status: 200, version, session: null, error: null, retryAfterMs: null });
const read = (version: number, startedAt: number, servedBy = "replica"): ReadAnswer => ({
  startedAt,
  endedAt: startedAt + 5,
  status: 200,
  version,
  servedBy,
  servedRegion: "weur",
  cache: null,
  consistency: "eventual",
});

describe("staleness of a read", () => {
  it("counts only writes acknowledged before the read was sent", () => {
    const recorder = new Recorder(0);
    recorder.recordWrite("k", "weur", write(1, 0, 10));
    recorder.recordWrite("k", "weur", write(2, 20, 50));
    // Sent while version 2 was in flight: version 1 is not stale.
    expect(recorder.recordRead("k", "oc", "eventual", read(1, 40))).toMatchObject({ expectedVersion: 1, stale: false, stalenessMs: 0 });
    // Sent 30 ms after version 2 was acknowledged.
    expect(recorder.recordRead("k", "oc", "eventual", read(1, 80))).toMatchObject({
      expectedVersion: 2,
      stale: true,
      versionsBehind: 1,
      stalenessMs: 30,
    });
    // A version newer than any acknowledged (a write still in flight) is fresh.
    expect(recorder.recordRead("k", "oc", "eventual", read(3, 80)).stale).toBe(false);
    // Another key's writes do not count.
    expect(recorder.recordRead("other", "oc", "eventual", read(1, 80)).stale).toBe(false);
  });

  it("measures the age from the first newer version acknowledged, whatever order the acknowledgements came in", () => {
    const recorder = new Recorder(0);
    recorder.recordWrite("k", "weur", write(1, 0, 5));
    recorder.recordWrite("k", "weur", write(3, 10, 100));
    recorder.recordWrite("k", "weur", write(2, 10, 140));
    expect(recorder.recordRead("k", "oc", "eventual", read(1, 150))).toMatchObject({ versionsBehind: 2, stalenessMs: 50 });
    expect(recorder.recordRead("k", "oc", "eventual", read(2, 150))).toMatchObject({ versionsBehind: 1, stalenessMs: 50 });
  });

  it("judges as a scan of every acknowledgement would, for acknowledgements in any order", () => {
    // A seeded generator: the same made-up history every run.
    let seed = 7;
    const random = (n: number) => {
      // 32-bit arithmetic, whose high bits are the well-mixed ones.
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return (seed >>> 8) % n;
    };
    const recorder = new Recorder(0);
    const acks: { version: number; at: number }[] = [];
    for (let version = 1; version <= 300; version++) {
      const at = version * 10 + random(200); // answers overtake each other by up to 200 ms
      acks.push({ version, at });
      recorder.recordWrite("k", "weur", write(version, at - 1, at));
    }
    for (let i = 0; i < 1_000; i++) {
      const [version, sentAt] = [random(320), random(3_400)];
      const before = acks.filter((ack) => ack.at < sentAt);
      const expectedVersion = Math.max(0, ...before.map((ack) => ack.version));
      const newer = before.filter((ack) => ack.version > version).map((ack) => ack.at);
      const judged = recorder.recordRead("k", "oc", "eventual", read(version, sentAt));
      expect(judged.expectedVersion).toBe(expectedVersion);
      expect(judged.stalenessMs).toBe(version >= expectedVersion ? 0 : sentAt - Math.min(...newer));
    }
    expect(recorder.latestAcknowledged().get("k")).toBe(300);
  });

  it("names the regions where a polled write was never seen, which the vis columns leave out", () => {
    const recorder = new Recorder(0);
    const seen = (ms: number | null) => ({ ms, lastMissMs: null, servedBy: ms === null ? null : "replica", polls: 1 });
    for (let version = 1; version <= 5; version++) {
      recorder.recordVisibility({ key: "k", version, writerRegion: "weur", sentAt: 0, ackAt: 1, regions: { weur: seen(2), oc: seen(version <= 2 ? null : 300) } });
    }
    const summary = recorder.summarize(["weur", "oc"], ["eventual"]);
    expect(summary.visibility.map((v) => [v.region, v.samples, v.timeouts])).toEqual([["weur", 5, 0], ["oc", 3, 2]]);
    expect(formatVisibilityTimeouts(summary)).toBe(" (oc: 2 of 5 never seen)");
    expect(formatVisibilityTimeouts({ visibility: summary.visibility.slice(0, 1) })).toBe("");
  });

  it("summarizes per region and mode: stale share, staleness of the stale reads, tiers, session reads that missed their own write", () => {
    const recorder = new Recorder(0);
    recorder.recordWrite("k", "weur", write(1, 0, 10));
    recorder.recordWrite("k", "weur", write(2, 10, 20));
    recorder.recordRead("k", "oc", "eventual", read(1, 120, "edge"));
    recorder.recordRead("k", "oc", "eventual", read(2, 120));
    recorder.recordRead("k", "oc", "eventual", read(2, 130));
    recorder.recordRead("k", "oc", "eventual", { ...read(2, 130), status: 503, version: null });
    recorder.recordRead("k", "oc", "session", read(1, 130), 2);
    const summary = recorder.summarize(["oc"], ["eventual", "session"]);
    const [eventual, session] = summary.cells;
    expect(eventual).toMatchObject({ reads: 4, errors: 1, staleShare: 1 / 3, servedBy: { edge: 1, replica: 2 }, ownWritesMissed: 0 });
    expect(eventual!.staleness).toMatchObject({ count: 1, p50: 100, p99: 100 });
    expect(session).toMatchObject({ reads: 1, staleShare: 1, ownWritesMissed: 1 });
    expect(summary.writes).toMatchObject({ count: 2, errors: 0 });
  });
});

describe("percentiles", () => {
  it("takes the nearest rank and draws the CDF as steps", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile([...values].sort((a, b) => a - b), 50)).toBe(50);
    expect(distribution(values)).toMatchObject({ count: 100, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
    expect(distribution([]).p50).toBeNaN();
    expect(cdf([5, 1, 5, 3])).toEqual([
      [1, 0.25],
      [3, 0.5],
      [5, 1],
    ]);
    expect(extent(values)).toEqual([1, 100]);
    expect(extent([])).toEqual([Number.NaN, Number.NaN]);
  });
});

describe("over real HTTP", () => {
  it("counts an old copy served by the edge after a write in another region as stale, and a strong read as fresh", async () => {
    const api = new GeocacheApi(inject("baseUrl"));
    const recorder = new Recorder();
    const key = `measure-staleness-${crypto.randomUUID()}`;
    const value = new Uint8Array([1, 2, 3]);
    const first = await api.put(key, value, "weur");
    expect(recorder.recordWrite(key, "weur", first).version).toBe(1);

    // Read in oc until its data center's edge holds version 1 (the copy is stored after an answer).
    let cached = recorder.recordRead(key, "oc", "eventual", await api.read(key, "oc", { mode: "eventual" }));
    for (let i = 0; i < 50 && cached.servedBy !== "edge"; i++) {
      cached = recorder.recordRead(key, "oc", "eventual", await api.read(key, "oc", { mode: "eventual" }));
    }
    expect(cached).toMatchObject({ servedBy: "edge", version: 1, stale: false });

    const second = await api.put(key, value, "weur", { session: first.session ?? undefined });
    expect(recorder.recordWrite(key, "weur", second).version).toBe(2);
    const stale = recorder.recordRead(key, "oc", "eventual", await api.read(key, "oc", { mode: "eventual" }));
    expect(stale).toMatchObject({ servedBy: "edge", version: 1, expectedVersion: 2, stale: true, versionsBehind: 1 });
    expect(stale.stalenessMs).toBeGreaterThanOrEqual(0);
    expect(stale.stalenessMs).toBeLessThan(3000);

    const session = await api.read(key, "oc", { mode: "session", session: second.session ?? undefined });
    expect(recorder.recordRead(key, "oc", "session", session, 2)).toMatchObject({ version: 2, stale: false });
    const strong = await api.read(key, "oc", { mode: "strong" });
    expect(recorder.recordRead(key, "oc", "strong", strong)).toMatchObject({ servedBy: "primary", version: 2, stale: false });
  });
});
