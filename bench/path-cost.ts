/**
 * Where a read's CPU goes: workerd's handling of each HTTP request, which
 * every worker pays whatever it does, or the worker's own code. Runs each
 * read path inside one isolate (bench/path-host: geocache's app called
 * directly, many reads per call, no HTTP between them) beside the bare
 * worker with a read's headers, then loads the same process over HTTP, and
 * reports the CPU per read both ways. The difference is what HTTP costs;
 * what is left is the path's own.
 *
 *   npx tsx bench/path-cost.ts [--rounds 7] [--count 5000] [--out bench/results/path-cost.json]
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startLoadProcess } from "./load/load-client";
import { cpuMicros } from "./runtime/process-figures";
import { startWorker, type BenchWorker } from "./runtime/start-worker";
import { median } from "./summary";
import { PATHS, pathCostKey, type PathName } from "./path-host/paths";
import type { ValueSize } from "./baselines/values";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    count: { type: "string", default: "5000" },
    out: { type: "string", default: "bench/results/path-cost.json" },
  },
});
const rounds = Number(values.rounds);
const count = Number(values.count);
const SIZES: ValueSize[] = ["small", "large"];
/** The paths also loaded over HTTP: the baseline, and the read whose ratio to it is a target. */
const OVER_HTTP: PathName[] = ["bare-headers", "edge-memory"];

/** geocache's wrangler.toml with this host as its main module: the same bindings, migrations and vars. */
async function hostConfig(dir: string): Promise<string> {
  const config = await readFile("wrangler.toml", "utf8");
  const main = resolve("bench/path-host/index.ts");
  const path = join(dir, "wrangler.toml");
  await writeFile(path, config.replace(/^name = .*$/m, 'name = "path-host"').replace(/^main = .*$/m, `main = ${JSON.stringify(main)}`));
  return path;
}

/** CPU µs of the worker's process per read, over `count` reads run inside the isolate. */
async function inIsolate(worker: BenchWorker, path: PathName, size: ValueSize, reads: number): Promise<number> {
  const before = await cpuMicros(worker.pid);
  const answer = await fetch(`${worker.url}/run?path=${path}&size=${size}&count=${reads}`, { method: "POST" });
  const { failed } = (await answer.json()) as { failed: number };
  if (!answer.ok || failed > 0) throw new Error(`${path}/${size}: ${failed} of ${reads} reads failed`);
  return ((await cpuMicros(worker.pid)) - before) / reads;
}

const dir = await mkdtemp(join(tmpdir(), "bench-path-cost-"));
const load = startLoadProcess();
const worker = await startWorker("path-host", await hostConfig(dir), { vars: { ANONYMOUS_ACCESS: "admin" } });
try {
  const seeded = await fetch(`${worker.url}/seed`, { method: "POST" });
  if (!seeded.ok) throw new Error(await seeded.text());
  const overHttp = async (path: PathName, size: ValueSize): Promise<number> => {
    const url = path === "bare-headers" ? `/value/${size}` : `/v1/keys/${pathCostKey(size)}`;
    const job = { kind: "load" as const, origin: worker.url, request: { method: "GET" as const, paths: [url], headers: { "X-Consistency": "eventual" } }, connections: 10, durationMs: 1_500, maxRequests: 200_000 };
    const before = await cpuMicros(worker.pid);
    const result = await load.run(job);
    if (result.failed > 0) throw new Error(`${path}/${size} over HTTP: ${result.failed} failed`);
    return ((await cpuMicros(worker.pid)) - before) / result.ok;
  };
  const runs = SIZES.flatMap((size) => PATHS.map((path) => ({ path, size })));
  for (const { path, size } of runs) await inIsolate(worker, path, size, Math.ceil(count / 5)); // warm-up
  const isolate = new Map<string, number[]>();
  const http = new Map<string, number[]>();
  const push = (into: Map<string, number[]>, id: string, value: number) => into.set(id, [...(into.get(id) ?? []), value]);
  for (let round = 0; round < rounds; round++) {
    for (const { path, size } of round % 2 === 0 ? runs : [...runs].reverse()) {
      push(isolate, `${path}/${size}`, await inIsolate(worker, path, size, count));
      if (OVER_HTTP.includes(path)) push(http, `${path}/${size}`, await overHttp(path, size));
    }
    console.error(`round ${round + 1}/${rounds}`);
  }
  const rows = runs.map(({ path, size }) => {
    const id = `${path}/${size}`;
    const ownUs = median(isolate.get(id)!);
    const baseline = median(isolate.get(`bare-headers/${size}`)!);
    const httpUs = http.has(id) ? median(http.get(id)!) : null;
    return { path, size, inIsolateUs: ownUs, overBareHeadersUs: ownUs - baseline, overHttpUs: httpUs, httpHandlingUs: httpUs === null ? null : httpUs - ownUs };
  });
  console.log("| path | size | CPU µs per read in the isolate | over the bare worker's | over HTTP | of which HTTP handling |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  const us = (value: number | null) => (value === null ? "" : String(Math.round(value)));
  for (const row of rows) console.log(`| ${row.path} | ${row.size} | ${us(row.inIsolateUs)} | ${us(row.overBareHeadersUs)} | ${us(row.overHttpUs)} | ${us(row.httpHandlingUs)} |`);
  await writeFile(values.out!, `${JSON.stringify({ measuredAt: new Date().toISOString(), rounds, count, rows }, null, 2)}\n`);
} finally {
  load.stop();
  await worker.stop();
  await rm(dir, { recursive: true, force: true });
}
