/**
 * A client of workerd's inspector (Chrome DevTools Protocol over a
 * WebSocket) for one worker's isolate. Needs the global WebSocket
 * (`--experimental-websocket` on Node 20), which the load process has.
 */

interface InspectorTarget {
  title: string;
  webSocketDebuggerUrl: string;
}

export interface InspectorSession {
  /** Sends a command and waits for its answer. */
  call(method: string, params?: object): Promise<Record<string, unknown>>;
  /** Sends a command without waiting for an answer (workerd answers some commands never). */
  send(method: string, params?: object): void;
  close(): void;
}

/** Opens a session with the isolate whose inspector title contains `target` (a worker's name). */
export async function openInspector(port: number, target: string): Promise<InspectorSession> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as InspectorTarget[];
  const found = targets.find((t) => t.title.includes(target));
  if (!found) throw new Error(`no inspector target named ${target} among ${targets.map((t) => t.title).join(", ")}`);
  const socket = new WebSocket(found.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve, { once: true });
    socket.addEventListener("error", reject, { once: true });
  });
  let nextId = 1;
  const waiting = new Map<number, { method: string; resolve: (result: Record<string, unknown>) => void; reject: (error: Error) => void }>();
  socket.addEventListener("message", (event: MessageEvent) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : waiting.get(message.id);
    if (!waiter) return;
    waiting.delete(message.id!);
    // workerd answers the commands it handles itself (Profiler.enable, …) by echoing them, without a result.
    if (message.error) waiter.reject(new Error(`${waiter.method}: ${message.error.message}`));
    else waiter.resolve(message.result ?? {});
  });
  const send = (method: string, params: object = {}) => {
    const id = nextId++;
    socket.send(JSON.stringify({ id, method, params }));
    return id;
  };
  return {
    call: (method, params) =>
      new Promise((resolve, reject) => {
        waiting.set(nextId, { method, resolve, reject });
        send(method, params);
      }),
    send: (method, params) => void send(method, params),
    close: () => socket.close(),
  };
}
