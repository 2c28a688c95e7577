import type { HeapJob, HeapResult } from "./protocol";

interface InspectorTarget {
  title: string;
  webSocketDebuggerUrl: string;
}

/**
 * The V8 heap of a worker's isolate after a full garbage collection, asked
 * over workerd's inspector (Chrome DevTools Protocol): a heap snapshot
 * (which collects garbage first; workerd never answers
 * `HeapProfiler.collectGarbage`), then `Runtime.getHeapUsage`, which the
 * inspector answers only after the snapshot. Needs the global WebSocket
 * (`--experimental-websocket` on Node 20).
 */
export async function isolateHeap(job: HeapJob): Promise<HeapResult> {
  const targets = (await (await fetch(`http://127.0.0.1:${job.inspectorPort}/json/list`)).json()) as InspectorTarget[];
  const target = targets.find((t) => t.title.includes(job.target));
  if (!target) throw new Error(`no inspector target named ${job.target} among ${targets.map((t) => t.title).join(", ")}`);
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve, { once: true });
    socket.addEventListener("error", reject, { once: true });
  });
  let nextId = 1;
  const send = (method: string, params: object = {}) => {
    const id = nextId++;
    socket.send(JSON.stringify({ id, method, params }));
    return id;
  };
  const call = (method: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      let id = 0;
      const onMessage = (event: MessageEvent) => {
        const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
        if (message.id !== id) return;
        socket.removeEventListener("message", onMessage);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result ?? {});
      };
      socket.addEventListener("message", onMessage);
      id = send(method);
    });
  try {
    await call("HeapProfiler.enable");
    send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    const usage = await call("Runtime.getHeapUsage");
    return { usedBytes: Number(usage.usedSize), totalBytes: Number(usage.totalSize) };
  } finally {
    socket.close();
  }
}
