import { LOCATION_HINTS } from "../durable-objects/topology";
import { valueOf } from "./baselines/values";
import { put, replicationQuiet } from "./geocache-api";
import type { LoadProcess } from "./load/load-client";
import type { FixedRateReadsJob, FixedRateWritesJob, FixedRateWritesResult, LoadResult } from "./load/protocol";
import { percentile, sorted } from "../scripts/measure/stats";
import { median } from "./summary";
import { cpuMicros } from "./runtime/process-figures";

export interface UnderWritesOptions {
  rounds: number;
  phaseMs: number;
  keys: number;
  writesPerSecond: number;
  readsPerSecond: number;
  connections: number;
  /** The worker's workerd process, whose CPU time tells how busy each phase kept its thread. */
  workerdPid: number;
}

export interface ReadFigures {
  p50: number;
  p99: number;
  throughput: number;
  failed: number;
}

export interface UnderWritesFigures {
  keys: number;
  writesPerSecond: number;
  readsPerSecond: number;
  /** Eventual reads (replica, edge off) alone, and while the writes run: medians over rounds; `failed` (timed out, cut off or not 2xx, left out of the latencies) summed. */
  readsAlone: ReadFigures;
  readsUnderWrites: ReadFigures;
  /** p99 under writes over p99 alone (median of the per-round ratios). */
  p99Ratio: number;
  /** Writes answered per second (median over rounds), and writes not sent because 64 were unanswered (summed). */
  writes: { achievedRate: number; p50: number; p99: number; failed: number; skipped: number };
  /** workerd's CPU time over wall time in each phase (1 = one core all the time), median over rounds: how much of its thread the writes take. */
  workerdBusy: { alone: number; underWrites: number };
  /** ms from a write's answer until one region's replica served it, pooled over rounds. */
  visibility: { samples: number; unseen: number; p50: number; p99: number; max: number };
}

const READ_REGION = "apac";
const WRITE_REGION = "weur";

/** The two load processes of the step: one sends the reads measured, the other the writes and the polls that follow them. */
export interface UnderWritesLoad {
  readers: LoadProcess;
  writers: LoadProcess;
}

/**
 * Eventual reads at a fixed rate over `keys` keys, measured alone and while
 * writes run at a fixed rate over the same keys, in alternating phases
 * (alone first in even rounds, second in odd ones). While the writes run,
 * every tenth write is followed in one region (all nine in turn) until that
 * region's replica serves it: replication visibility as a reader sees it.
 * The worker runs with the edge tier off, so every read reaches a replica.
 */
export async function measureUnderWrites(origin: string, load: UnderWritesLoad, options: UnderWritesOptions, progress: (line: string) => void): Promise<UnderWritesFigures> {
  const keys = Array.from({ length: options.keys }, (_, i) => `bench-rw-${i}`);
  const value = new Uint8Array(valueOf("small"));
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(keys.slice(i, i + 50).map((key) => put(origin, key, value)));
  }
  await replicationQuiet(origin);
  const reads: FixedRateReadsJob = {
    kind: "fixed-rate-reads",
    origin,
    paths: keys.map((key) => `/v1/keys/${encodeURIComponent(key)}`),
    headers: { "X-Consistency": "eventual", "X-Region": READ_REGION },
    ratePerSecond: options.readsPerSecond,
    durationMs: options.phaseMs,
    connections: options.connections,
  };
  const writes: FixedRateWritesJob = {
    kind: "fixed-rate-writes",
    origin,
    writes: {
      keys,
      ratePerSecond: options.writesPerSecond,
      durationMs: options.phaseMs,
      value,
      region: WRITE_REGION,
      sampleEvery: 10,
      probeRegions: [...LOCATION_HINTS],
      pollGapMs: 1,
      maxInflight: 64,
    },
  };
  const alone: LoadResult[] = [];
  const underWrites: { reads: LoadResult; writes: FixedRateWritesResult }[] = [];
  const visibility: number[] = [];
  const busy = { alone: [] as number[], underWrites: [] as number[] };
  const busyWhile = async <T>(phase: keyof typeof busy, run: () => Promise<T>): Promise<T> => {
    const [cpuBefore, startedAt] = [await cpuMicros(options.workerdPid), performance.now()];
    const result = await run();
    const cpuUs = (await cpuMicros(options.workerdPid)) - cpuBefore;
    busy[phase].push(cpuUs / ((performance.now() - startedAt) * 1000));
    return result;
  };
  for (let round = 0; round < options.rounds; round++) {
    const phases = round % 2 === 0 ? (["alone", "writes"] as const) : (["writes", "alone"] as const);
    for (const phase of phases) {
      if (phase === "alone") {
        const result = await busyWhile("alone", () => load.readers.run(reads));
        alone.push(result);
        progress(`round ${round + 1}/${options.rounds}  reads alone          p50 ${result.latency.p50.toFixed(1)} ms  p99 ${result.latency.p99.toFixed(1)} ms`);
      } else {
        const [readResult, writeResult] = await busyWhile("underWrites", () =>
          Promise.all([load.readers.run(reads), load.writers.run(writes)]),
        );
        underWrites.push({ reads: readResult, writes: writeResult });
        visibility.push(...writeResult.visibility.samplesMs);
        await replicationQuiet(origin);
        progress(
          `round ${round + 1}/${options.rounds}  reads under writes   p50 ${readResult.latency.p50.toFixed(1)} ms  p99 ${readResult.latency.p99.toFixed(1)} ms` +
            `  writes ${Math.round(writeResult.writes.achievedRate)}/s  visibility p50 ${writeResult.visibility.p50.toFixed(1)} ms p99 ${writeResult.visibility.p99.toFixed(1)} ms`,
        );
      }
    }
  }
  const seen = sorted(visibility);
  const readFigures = (results: LoadResult[]) => ({
    p50: median(results.map((r) => r.latency.p50)),
    p99: median(results.map((r) => r.latency.p99)),
    throughput: median(results.map((r) => r.throughput)),
    failed: results.reduce((sum, r) => sum + r.failed, 0),
  });
  return {
    keys: options.keys,
    writesPerSecond: options.writesPerSecond,
    readsPerSecond: options.readsPerSecond,
    readsAlone: readFigures(alone),
    readsUnderWrites: readFigures(underWrites.map((r) => r.reads)),
    p99Ratio: median(underWrites.map((r, i) => r.reads.latency.p99 / alone[i]!.latency.p99)),
    writes: {
      achievedRate: median(underWrites.map((r) => r.writes.writes.achievedRate)),
      p50: median(underWrites.map((r) => r.writes.writes.latency.p50)),
      p99: median(underWrites.map((r) => r.writes.writes.latency.p99)),
      failed: underWrites.reduce((sum, r) => sum + r.writes.writes.failed, 0),
      skipped: underWrites.reduce((sum, r) => sum + r.writes.writes.skipped, 0),
    },
    workerdBusy: { alone: median(busy.alone), underWrites: median(busy.underWrites) },
    visibility: {
      samples: seen.length,
      unseen: underWrites.reduce((sum, r) => sum + r.writes.visibility.unseen, 0),
      p50: percentile(seen, 50),
      p99: percentile(seen, 99),
      max: seen.at(-1) ?? Number.NaN,
    },
  };
}
