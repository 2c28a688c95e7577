/**
 * `npm run bench`: geocache's reads and writes against eight baselines, in
 * one run, in the same runtime, on 127.0.0.1.
 *
 *   npx tsx bench/run.ts            # the full run (about 9 minutes on 2 cores)
 *   npx tsx bench/run.ts --quick    # a smoke run (about a minute)
 *   options: --rounds N  --duration MS  --warmup MS  --connections N  --only TEXT  --out FILE
 *            --no-under-writes  --under-writes-phase MS  --no-memory
 *
 * Writes the table to the terminal, every figure to bench/results/latest.json
 * and the README's table to bench/results/latest.md.
 */
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { describeMachine } from "../scripts/measure/machine";
import { BASELINES, benchCases, GEOCACHE_WORKERS, seedGeocache, type WorkerName } from "./cases";
import { startLoadProcess } from "./load/load-client";
import { measureReplicaMemory } from "./replica-memory";
import { markdownReport, terminalReport, type BenchResults } from "./report";
import { runRounds } from "./rounds";
import { storageRoot } from "../scripts/storage-root";
import { startWorker, type BenchWorker } from "./runtime/start-worker";
import { evaluateTargets, summarizeCases } from "./summary";
import { measureUnderWrites } from "./under-writes";
import { GEOCACHE_VARS, baselineConfig } from "./workers";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
    only: { type: "string" },
    out: { type: "string", default: "bench/results/latest.json" },
    "no-under-writes": { type: "boolean", default: false },
    "under-writes-phase": { type: "string" },
    "no-memory": { type: "boolean", default: false },
  },
});

const quick = values.quick!;
const settings = {
  rounds: Number(values.rounds ?? (quick ? 1 : 3)),
  warmupMs: Number(values.warmup ?? (quick ? 300 : 500)),
  // The edge cases must finish within 3 s of writing their keys (see cases.ts): warm-up + run stay under it.
  durationMs: Number(values.duration ?? (quick ? 700 : 2_000)),
  connections: Number(values.connections ?? 10),
  quick,
  storage: storageRoot(),
};
const progress = (line: string) => process.stderr.write(`${line}\n`);
const underWritesPhaseMs = Number(values["under-writes-phase"] ?? (quick ? 2_000 : 4_000));
if (!(underWritesPhaseMs >= 500 && underWritesPhaseMs <= 120_000)) throw new Error("--under-writes-phase takes the ms of each phase, from 500 to 120000");

const startedAt = new Date().toISOString();
const loadAtStart = loadavg()[0]!;
const commit = execFileSync("git", ["describe", "--always", "--dirty"], { encoding: "utf8" }).trim();
const workers = new Map<WorkerName, BenchWorker>();
const load = startLoadProcess();

/** geocache from wrangler.toml, configured as `variant`, reported as `name`. */
const startGeocache = (variant: keyof typeof GEOCACHE_VARS, name: string = variant) =>
  startWorker(name, "wrangler.toml", { vars: { ANONYMOUS_ACCESS: "admin", ...GEOCACHE_VARS[variant] } });

/** Eventual reads alone and under writes, and replication visibility, on a fresh geocache worker with the edge tier off. */
async function measureUnderWritesAlone() {
  const worker = await startGeocache("geocache-edge-off", "geocache-under-writes");
  const writers = startLoadProcess();
  try {
    return await measureUnderWrites(
      worker.url,
      { readers: load, writers },
      {
        rounds: quick ? 1 : 5,
        phaseMs: underWritesPhaseMs,
        keys: 1_000,
        writesPerSecond: 200,
        readsPerSecond: 500,
        connections: settings.connections,
        workerdPid: worker.pid,
      },
      progress,
    );
  } finally {
    writers.stop();
    await worker.stop();
  }
}
try {
  progress("starting the baselines and geocache …");
  // One after another: each worker's workerd process is told apart from those started before it.
  for (const name of BASELINES) workers.set(name, await startWorker(name, baselineConfig(name)));
  for (const name of GEOCACHE_WORKERS) {
    workers.set(name, await startGeocache(name));
  }
  for (const name of ["workers-kv", "cache-api"] as const) {
    const answer = await fetch(`${workers.get(name)!.url}/seed`, { method: "POST" });
    if (answer.status !== 200) throw new Error(`seeding ${name} answered ${answer.status}`);
  }
  for (const name of GEOCACHE_WORKERS) await seedGeocache(workers.get(name)!.url);

  // --only keeps the baselines, which every ratio needs.
  const cases = benchCases().filter((c) => !values.only || c.id.includes(values.only) || (BASELINES as readonly string[]).includes(c.kind));
  const samples = await runRounds(cases, workers, load, { ...settings, maxRequests: 200_000 }, progress);
  const summaries = summarizeCases(cases, samples);

  for (const worker of workers.values()) await worker.stop();
  workers.clear();
  // On a worker of its own, started after the cases' workers stopped: the step starts from the same state whichever cases ran.
  const underWrites = values["no-under-writes"] ? null : await measureUnderWritesAlone();
  const replicaMemory = values["no-memory"] ? null : await measureReplicaMemory(load, quick ? 10_000 : 100_000);

  const results: BenchResults = {
    startedAt,
    machine: describeMachine(),
    commit,
    loadAverage: { start: loadAtStart, end: loadavg()[0]! },
    settings,
    cases: summaries,
    targets: evaluateTargets(summaries),
    underWrites,
    replicaMemory,
  };
  await mkdir(dirname(values.out!), { recursive: true });
  await writeFile(values.out!, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(values.out!.replace(/\.json$/, ".md"), `${markdownReport(results)}\n`);
  console.log(`\n${terminalReport(results)}\n\nwritten: ${values.out} and ${values.out!.replace(/\.json$/, ".md")}`);
} finally {
  for (const worker of workers.values()) await worker.stop().catch(() => undefined);
  load.stop();
}
