/**
 * Where one benchmark case spends its time: runs the case against its
 * worker, started alone with workerd's inspector, and reports the worker's
 * CPU per request, a V8 CPU profile of the isolate (worker and Durable
 * Objects together) by function, and, with --strace, the storage syscalls
 * per request.
 *
 *   npx tsx bench/profile.ts --case put-9/small [--seconds 5] [--top 25] [--strace]
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { benchCases, seedGeocache } from "./cases";
import { startLoadProcess } from "./load/load-client";
import { freePort } from "./runtime/free-port";
import { cpuMicros } from "./runtime/process-figures";
import { startWorker } from "./runtime/start-worker";
import { GEOCACHE_VARS, baselineConfig, isGeocache } from "./workers";

const { values } = parseArgs({
  options: {
    case: { type: "string", default: "put-9/small" },
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "10" },
    strace: { type: "boolean", default: false },
    top: { type: "string", default: "25" },
  },
});

const benchCase = benchCases().find((c) => c.id === values.case);
if (!benchCase) throw new Error(`no case ${values.case}: one of ${benchCases().map((c) => c.id).join(", ")}`);
const durationMs = Number(values.seconds) * 1000;
const inspectorPort = await freePort();
const worker = isGeocache(benchCase.worker)
  ? await startWorker("geocache", "wrangler.toml", { inspectorPort, vars: { ANONYMOUS_ACCESS: "admin", ...GEOCACHE_VARS[benchCase.worker] } })
  : await startWorker(benchCase.worker, baselineConfig(benchCase.worker), { inspectorPort });
const load = startLoadProcess();
try {
  if (isGeocache(benchCase.worker)) await seedGeocache(worker.url);
  else await fetch(`${worker.url}/seed`, { method: "POST" });
  const job = (ms: number) => ({
    kind: "load" as const,
    origin: worker.url,
    request: benchCase.request,
    connections: Number(values.connections),
    durationMs: ms,
    maxRequests: 1_000_000,
  });
  await benchCase.prepare?.(worker.url);
  await load.run(job(1_000));
  const strace = values.strace
    ? spawn("strace", ["-f", "-c", "-e", "trace=fsync,fdatasync,pwrite64,pread64,fcntl", "-p", String(worker.pid)], { stdio: ["ignore", "ignore", "pipe"] })
    : null;
  let straceReport = "";
  strace?.stderr!.on("data", (chunk: Buffer) => (straceReport += chunk.toString()));
  if (strace) await sleep(300);
  const cpuBefore = await cpuMicros(worker.pid);
  const [result, profile] = await Promise.all([
    load.run(job(durationMs)),
    load.run({ kind: "profile", inspectorPort, target: isGeocache(benchCase.worker) ? "geocache" : benchCase.worker, durationMs, top: Number(values.top) }),
  ]);
  const cpuUs = (await cpuMicros(worker.pid)) - cpuBefore;
  console.log(`${benchCase.id}: ${Math.round(result.throughput)} req/s, p50 ${result.latency.p50.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms, ${result.failed} failed`);
  console.log(`workerd CPU ${Math.round(cpuUs / Math.max(result.ok, 1))} µs per request (${result.ok} requests)`);
  console.log(`\nisolate profile, ${profile.samples} samples, self time by function:`);
  for (const { name, share } of profile.top) console.log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${name}`);
  console.log(`\nby inclusive time (with callees):`);
  for (const { name, share } of profile.inclusive) console.log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${name}`);
  if (strace) {
    strace.kill("SIGINT");
    await new Promise((resolve) => strace.on("exit", resolve));
    console.log(`\nstorage syscalls of workerd over ${result.ok} requests (per request in brackets):`);
    for (const line of straceReport.split("\n")) {
      // strace -c rows: % time, seconds, usecs/call, calls, [errors,] syscall.
      const fields = line.trim().split(/\s+/);
      const calls = Number(fields[3]);
      const name = fields.at(-1)!;
      if (fields.length >= 5 && /^[\d.]+$/.test(fields[0]!) && Number.isInteger(calls) && /^[a-z_0-9]+$/.test(name)) {
        console.log(`  ${name.padEnd(10)} ${String(calls).padStart(8)}  (${(calls / Math.max(result.ok, 1)).toFixed(1)})`);
      }
    }
  }
} finally {
  load.stop();
  await worker.stop();
}
