import { setTimeout as sleep } from "node:timers/promises";
import { percentile, sorted } from "../../scripts/measure/stats";
import { latencyFigures } from "./latency";
import type { FixedRateWritesJob, FixedRateWritesResult } from "./protocol";

/** A replica that has not served a followed write after this long counts it as unseen. */
const VISIBILITY_GIVE_UP_MS = 5_000;

/** A write unanswered this long counts as failed. */
const WRITE_TIMEOUT_MS = 10_000;

const keyPath = (key: string) => `/v1/keys/${encodeURIComponent(key)}`;

/**
 * Polls a region's replica (eventual reads) until it serves `version` or
 * newer; ms after `answeredAt`, or null. The pause between polls is at
 * least `gapMs` and grows to a tenth of the time waited, so a figure is at
 * most a tenth (plus one read) late, and a write that takes long to arrive
 * costs tens of polls rather than thousands: polls at a fixed 1 ms, on a
 * machine that is falling behind, were most of its load.
 */
async function visibleAfter(origin: string, key: string, region: string, version: number, answeredAt: number, gapMs: number) {
  for (;;) {
    const answer = await fetch(origin + keyPath(key), {
      headers: { "X-Region": region, "X-Consistency": "eventual" },
      signal: AbortSignal.timeout(VISIBILITY_GIVE_UP_MS),
    });
    await answer.arrayBuffer();
    const waited = performance.now() - answeredAt;
    if (Number(answer.headers.get("X-Version") ?? 0) >= version) return waited;
    if (waited > VISIBILITY_GIVE_UP_MS) return null;
    await sleep(Math.max(gapMs, waited / 10));
  }
}

/**
 * Writes at a fixed rate (each write sent on its schedule, whatever the
 * answers of earlier ones, unless `maxInflight` are unanswered), cycling
 * through the keys; every `sampleEvery`-th write is followed in one of the
 * probe regions until that replica serves it. Reads measured meanwhile run
 * in another load process, so that their latencies never wait on this
 * loop's sending, polling and parsing.
 */
export async function fixedRateWrites(job: FixedRateWritesJob): Promise<FixedRateWritesResult> {
  const { writes } = job;
  const latencies: number[] = [];
  const visibility: number[] = [];
  let unseen = 0;
  let failed = 0;
  let skipped = 0;
  const inflight = new Set<Promise<void>>();
  const following = new Set<Promise<unknown>>();
  const value = Buffer.from(writes.value);
  const total = Math.floor((writes.ratePerSecond * writes.durationMs) / 1000);
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / writes.ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (inflight.size >= writes.maxInflight) {
      skipped++;
      continue;
    }
    const key = writes.keys[i % writes.keys.length]!;
    const sample = i % writes.sampleEvery === 0 ? writes.probeRegions[(i / writes.sampleEvery) % writes.probeRegions.length] : undefined;
    const write = (async () => {
      const sent = performance.now();
      const answer = await fetch(job.origin + keyPath(key), {
        method: "PUT",
        body: value,
        headers: { "X-Region": writes.region, "Content-Type": "application/octet-stream" },
        signal: AbortSignal.timeout(WRITE_TIMEOUT_MS),
      });
      const text = await answer.text();
      const answeredAt = performance.now();
      if (answer.status !== 200) {
        failed++;
        return;
      }
      latencies.push(answeredAt - sent);
      if (sample === undefined) return;
      const { version } = JSON.parse(text) as { version: number };
      // Following the write does not hold its slot: only unanswered writes count against maxInflight.
      const follow = visibleAfter(job.origin, key, sample, version, answeredAt, writes.pollGapMs).then(
        (ms) => (ms === null ? unseen++ : visibility.push(ms)),
        () => unseen++,
      );
      following.add(follow);
    })().catch(() => {
      failed++;
    });
    inflight.add(write);
    void write.finally(() => inflight.delete(write));
  }
  await Promise.all(inflight);
  await Promise.all(following);
  const answeredIn = performance.now() - started;
  const seen = sorted(visibility);
  return {
    writes: {
      due: total,
      skipped,
      ok: latencies.length,
      failed,
      latency: latencyFigures(latencies),
      achievedRate: (latencies.length / Math.max(answeredIn, 1)) * 1000,
    },
    visibility: { samplesMs: seen, unseen, p50: percentile(seen, 50), p99: percentile(seen, 99), max: seen.at(-1) ?? Number.NaN },
  };
}
