import { Agent, request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { latencyFigures } from "./latency";
import type { FixedRateReadsJob, LoadResult } from "./protocol";

/** A read unanswered this long after it went out counts as failed, unless the job says otherwise. */
const READ_TIMEOUT_MS = 10_000;

/**
 * Sends GETs on a fixed schedule, one every `1000 / ratePerSecond` ms
 * whatever the answers of earlier ones (an open loop), over at most
 * `connections` keep-alive connections, and times each from when it was
 * due, not from when it went out: a read that waits for a connection, or
 * for this loop, is slow by that wait (no coordinated omission).
 * autocannon's `overallRate` gives each connection its share of a second's
 * requests at the start of that second, back to back, so its reads arrive
 * in bursts that queue behind each other.
 */
export async function fixedRateReads(job: FixedRateReadsJob): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
  const { hostname, port } = new URL(job.origin);
  const total = Math.floor((job.ratePerSecond * job.durationMs) / 1000);
  const gapMs = 1000 / job.ratePerSecond;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let failed = 0;
  const answers: Promise<void>[] = [];
  const read = (path: string, dueAt: number) =>
    new Promise<void>((resolve) => {
      let settled = false;
      // From when the read went out, whether or not a connection was free: the socket's own timeout starts only once it has one.
      const timer = setTimeout(() => sent.destroy(new Error("timed out")), job.timeoutMs ?? READ_TIMEOUT_MS);
      const settle = (ok: boolean, status?: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (status !== undefined) statuses[status] = (statuses[status] ?? 0) + 1;
        if (ok) latencies.push(performance.now() - dueAt);
        else failed++;
        resolve();
      };
      const fail = () => settle(false);
      const sent = request({ agent, hostname, port, path, method: "GET", headers: job.headers }, (answer) => {
        answer.resume();
        answer.on("error", fail);
        answer.on("end", () => {
          const status = answer.statusCode ?? 0;
          settle(status >= 200 && status < 300, status);
        });
        // Cut off before its end (timed out, or the connection lost): a failure.
        answer.on("close", fail);
      });
      sent.on("error", fail);
      sent.end();
    });
  const started = performance.now();
  try {
    let next = 0;
    while (next < total) {
      const now = performance.now();
      // Every read due by now goes out now: a late wake-up sends the reads it owes, each timed from its own due time.
      for (; next < total && started + next * gapMs <= now; next++) {
        answers.push(read(job.paths[next % job.paths.length]!, started + next * gapMs));
      }
      if (next < total) await sleep(Math.max(0, started + next * gapMs - performance.now()));
    }
    await Promise.all(answers);
  } finally {
    agent.destroy();
  }
  const elapsedMs = performance.now() - started;
  return { ok: latencies.length, failed, statuses, elapsedMs, throughput: (latencies.length / elapsedMs) * 1000, latency: latencyFigures(latencies) };
}
