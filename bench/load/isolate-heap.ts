import { openInspector } from "./inspector";
import type { HeapJob, HeapResult } from "./protocol";

/**
 * The V8 heap of a worker's isolate after a full garbage collection: a heap
 * snapshot (which collects garbage first; workerd never answers
 * `HeapProfiler.collectGarbage`), then `Runtime.getHeapUsage`, which the
 * inspector answers only after the snapshot.
 */
export async function isolateHeap(job: HeapJob): Promise<HeapResult> {
  const session = await openInspector(job.inspectorPort, job.target);
  try {
    await session.call("HeapProfiler.enable");
    session.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    const usage = await session.call("Runtime.getHeapUsage");
    return { usedBytes: Number(usage.usedSize), totalBytes: Number(usage.totalSize) };
  } finally {
    session.close();
  }
}
