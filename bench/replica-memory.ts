import { readdir, stat, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadProcess } from "./load/load-client";
import { freePort } from "./runtime/free-port";
import { rssBytes } from "./runtime/process-figures";
import { startWorker } from "./runtime/start-worker";

export interface ReplicaMemoryFigures {
  keys: number;
  valueBytes: number;
  /** The isolate's V8 heap after a full collection, empty replica → holding every key (after reading a sample back). */
  heapBytes: { empty: number; full: number; delta: number };
  /** The resident memory of the workerd process that runs the replica. */
  rssBytes: { empty: number; full: number; delta: number };
  /** The replica's SQLite files on disk. */
  storageBytes: number;
  fillMs: number;
}

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/**
 * The memory of one replica holding `keys` copies of `valueBytes` each:
 * geocache's `RegionReplica` hosted alone (bench/replica-host), filled by
 * pushes as a primary sends them, 10,000 of them read back. A replica keeps
 * its copies in SQLite, not in the isolate, so the figures that matter are
 * the V8 heap (asked over workerd's inspector after a full collection), the
 * workerd process's resident memory (which holds SQLite's page cache as
 * well), and the bytes of the database on disk. Linux only (/proc).
 */
export async function measureReplicaMemory(load: LoadProcess, keys: number, valueBytes = 100): Promise<ReplicaMemoryFigures> {
  const inspectorPort = await freePort();
  const storageDir = await mkdtemp(join(tmpdir(), "bench-replica-storage-"));
  const host = await startWorker("replica-host", "bench/replica-host/wrangler.toml", { inspectorPort, durableObjectsDir: storageDir });
  const { pid } = host;
  try {
    const call = async (path: string) => {
      const answer = await fetch(host.url + path, { method: "POST" });
      const text = await answer.text();
      if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}: ${text}`);
      return text;
    };
    const heap = () => load.run({ kind: "heap", inspectorPort, target: "replica-host" });
    await call("/fill?from=0&count=1&bytes=1");
    const emptyHeap = (await heap()).usedBytes;
    const emptyRss = await rssBytes(pid);
    const started = performance.now();
    for (let from = 0; from < keys; from += 10_000) await call(`/fill?from=${from}&count=${Math.min(10_000, keys - from)}&bytes=${valueBytes}`);
    const fillMs = performance.now() - started;
    const sample = Math.min(keys, 10_000);
    const found = Number(await call(`/read?from=${keys - sample}&count=${sample}`));
    if (found !== sample) throw new Error(`read back ${found} of ${sample} copies`);
    const fullHeap = (await heap()).usedBytes;
    const fullRss = await rssBytes(pid);
    return {
      keys,
      valueBytes,
      heapBytes: { empty: emptyHeap, full: fullHeap, delta: fullHeap - emptyHeap },
      rssBytes: { empty: emptyRss, full: fullRss, delta: fullRss - emptyRss },
      storageBytes: await bytesUnder(storageDir),
      fillMs,
    };
  } finally {
    await host.stop();
    await rm(storageDir, { recursive: true, force: true });
  }
}
