import type { BenchCase, WorkerName } from "./cases";
import { readsByTier, replicationQuiet, tierDelta } from "./geocache-api";
import type { LoadProcess } from "./load/load-client";
import type { LoadJob } from "./load/protocol";
import { cpuMicros } from "./runtime/process-figures";
import type { CaseSample } from "./summary";

export interface RoundOptions {
  rounds: number;
  warmupMs: number;
  durationMs: number;
  connections: number;
  /** No run sends more than this many requests, however fast the worker answers. */
  maxRequests: number;
}

/**
 * Runs every case once per round: its preparation, a warm-up that is not
 * counted, then the measured run. Rounds alternate direction (forward,
 * backward, …), so a case early in one round is late in the next and
 * drift of the machine falls on every case alike. After a case that writes,
 * the next waits until replication has gone quiet. The CPU time of the
 * worker's workerd process over the measured run, per answer, is what a
 * request costs whatever else runs on the machine.
 */
export async function runRounds(
  cases: readonly BenchCase[],
  workers: ReadonlyMap<WorkerName, { url: string; pid: number }>,
  load: LoadProcess,
  options: RoundOptions,
  progress: (line: string) => void,
): Promise<CaseSample[]> {
  const samples: CaseSample[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? cases : [...cases].reverse();
    for (const benchCase of order) {
      const { url: origin, pid } = workers.get(benchCase.worker)!;
      const job = (durationMs: number): LoadJob => ({
        kind: "load",
        origin,
        request: benchCase.request,
        connections: options.connections,
        durationMs,
        maxRequests: options.maxRequests,
      });
      await benchCase.prepare?.(origin);
      if (options.warmupMs > 0) await load.run(job(options.warmupMs));
      const before = benchCase.expectTier ? await readsByTier(origin) : null;
      const cpuBefore = await cpuMicros(pid);
      const result = await load.run(job(options.durationMs));
      const cpuUs = await cpuMicros(pid) - cpuBefore;
      const tiers = before ? tierDelta(before, await readsByTier(origin)) : undefined;
      if (benchCase.writes) await replicationQuiet(origin);
      samples.push({
        caseId: benchCase.id,
        round,
        throughput: result.throughput,
        p50: result.latency.p50,
        p99: result.latency.p99,
        ok: result.ok,
        failed: result.failed,
        cpuUsPerRequest: result.ok ? cpuUs / result.ok : Number.NaN,
        tiers,
      });
      progress(
        `round ${round + 1}/${options.rounds}  ${benchCase.id.padEnd(22)} ${Math.round(result.throughput).toString().padStart(6)} req/s` +
          `  p50 ${result.latency.p50.toFixed(1)} ms  p99 ${result.latency.p99.toFixed(1)} ms  ${Math.round(cpuUs / Math.max(result.ok, 1))} µs CPU${result.failed ? `  ${result.failed} failed` : ""}`,
      );
    }
  }
  return samples;
}
