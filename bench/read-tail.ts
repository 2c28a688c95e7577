/**
 * The tail of paced reads over a worker's life, with nothing written: how
 * the p99 of reads at a fixed rate moves from the first seconds of a
 * workerd process to a minute later, for geocache's replica read (edge
 * off) and, each in a fresh process of its own, the bare worker and the
 * one-RPC baseline. What grows in all three is the runtime's, not the
 * read path's; the under-writes step's "reads alone" phases sit on it.
 * geocache's keys are written once before its reads.
 *
 *   npx tsx bench/read-tail.ts [--windows 12] [--window 5000] [--rate 500] [--keys 1000] [--out bench/results/read-tail.json]
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { valueOf } from "./baselines/values";
import { put, replicationQuiet } from "./geocache-api";
import { startLoadProcess } from "./load/load-client";
import type { FixedRateReadsJob } from "./load/protocol";
import { cpuMicros, rssBytes } from "./runtime/process-figures";
import { startWorker, type BenchWorker } from "./runtime/start-worker";
import { baselineConfig, GEOCACHE_VARS } from "./workers";

const { values } = parseArgs({
  options: {
    windows: { type: "string", default: "12" },
    window: { type: "string", default: "5000" },
    rate: { type: "string", default: "500" },
    keys: { type: "string", default: "1000" },
    out: { type: "string", default: "bench/results/read-tail.json" },
  },
});
const windows = Number(values.windows);
const windowMs = Number(values.window);
const ratePerSecond = Number(values.rate);
/** geocache's keys, written before its reads, which cycle through them. */
const keyCount = Number(values.keys);
if (!(windows >= 1 && windows <= 60 && windowMs >= 500 && windowMs <= 60_000 && ratePerSecond >= 1 && ratePerSecond <= 2_000 && keyCount >= 1 && keyCount <= 10_000)) {
  throw new Error("--windows takes 1 to 60, --window 500 to 60000 ms, --rate 1 to 2000 reads a second, --keys 1 to 10000");
}

interface Window {
  /** Seconds since the worker's first measured read. */
  fromS: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
  /** workerd's CPU time over the window's wall time. */
  busy: number;
  /** workerd's resident memory at the window's end, MiB. */
  rssMiB: number;
}

interface Subject {
  name: string;
  start: () => Promise<BenchWorker>;
  /** Writes what the reads find (geocache only) and answers the reads' paths and headers. */
  prepare: (origin: string) => Promise<Pick<FixedRateReadsJob, "paths" | "headers">>;
}

const SUBJECTS: Subject[] = [
  {
    name: "bare",
    start: () => startWorker("bare", baselineConfig("bare")),
    prepare: async () => ({ paths: ["/value/small"], headers: {} }),
  },
  {
    name: "object-rpc",
    start: () => startWorker("object-rpc", baselineConfig("object-rpc")),
    prepare: async () => ({ paths: ["/value/small"], headers: {} }),
  },
  {
    name: "geocache replica read (edge off)",
    start: () => startWorker("geocache-edge-off", "wrangler.toml", { vars: { ANONYMOUS_ACCESS: "admin", ...GEOCACHE_VARS["geocache-edge-off"] } }),
    prepare: async (origin) => {
      const keys = Array.from({ length: keyCount }, (_, i) => `bench-tail-${i}`);
      const value = new Uint8Array(valueOf("small"));
      for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => put(origin, key, value)));
      await replicationQuiet(origin);
      return { paths: keys.map((key) => `/v1/keys/${key}`), headers: { "X-Consistency": "eventual", "X-Region": "apac" } };
    },
  },
];

const load = startLoadProcess();
const results: { name: string; windows: Window[] }[] = [];
try {
  for (const subject of SUBJECTS) {
    const worker = await subject.start();
    try {
      const reads = await subject.prepare(worker.url);
      const job: FixedRateReadsJob = { kind: "fixed-rate-reads", origin: worker.url, ...reads, ratePerSecond, durationMs: windowMs, connections: 10 };
      const measured: Window[] = [];
      const startedAt = performance.now();
      for (let i = 0; i < windows; i++) {
        const [cpuBefore, windowStart] = [await cpuMicros(worker.pid), performance.now()];
        const result = await load.run(job);
        const busy = ((await cpuMicros(worker.pid)) - cpuBefore) / ((performance.now() - windowStart) * 1000);
        const { p50, p99, max } = result.latency;
        measured.push({ fromS: (windowStart - startedAt) / 1000, p50, p99, max, failed: result.failed, busy, rssMiB: (await rssBytes(worker.pid)) / 2 ** 20 });
        console.error(`${subject.name}  ${measured.at(-1)!.fromS.toFixed(0)} s  p50 ${p50.toFixed(1)} ms  p99 ${p99.toFixed(1)} ms  rss ${measured.at(-1)!.rssMiB.toFixed(0)} MiB`);
      }
      results.push({ name: subject.name, windows: measured });
    } finally {
      await worker.stop();
    }
  }
  console.log(`| from (s) | ${results.map((r) => `${r.name}: p99 ms (RSS MiB)`).join(" | ")} |`);
  console.log(`| --- | ${results.map(() => "---").join(" | ")} |`);
  for (let i = 0; i < windows; i++) {
    const cells = results.map((r) => `${r.windows[i]!.p99.toFixed(1)} (${r.windows[i]!.rssMiB.toFixed(0)})${r.windows[i]!.failed ? ` ${r.windows[i]!.failed} failed` : ""}`);
    console.log(`| ${results[0]!.windows[i]!.fromS.toFixed(0)} | ${cells.join(" | ")} |`);
  }
  await mkdir(dirname(values.out!), { recursive: true });
  await writeFile(values.out!, `${JSON.stringify({ measuredAt: new Date().toISOString(), ratePerSecond, windowMs, results }, null, 2)}\n`);
} finally {
  load.stop();
}
