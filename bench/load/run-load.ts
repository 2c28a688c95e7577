import autocannon from "autocannon";
import { latencyFigures } from "./latency";
import type { LoadJob, LoadResult } from "./protocol";

/**
 * Runs one load with autocannon and measures it from every answer: the
 * latency of each (exact, not autocannon's whole-ms histogram), and the
 * throughput of 2xx answers. Stops at its duration or its request count,
 * whichever comes first.
 */
export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const { request } = job;
  let next = 0;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let failed = 0;
  const body = request.body ? Buffer.from(request.body) : undefined;
  const started = performance.now();
  // Without a callback autocannon answers an instance that is also a promise of its result; its typings say only the promise.
  const instance = autocannon({
    url: job.origin,
    method: request.method,
    headers: request.headers,
    body,
    connections: job.connections,
    duration: job.durationMs / 1000,
    maxOverallRequests: job.maxRequests,
    timeout: 10,
    requests: [
      {
        setupRequest: (req) => {
          req.path = request.paths[next++ % request.paths.length]!;
          return req;
        },
      },
    ],
  }) as unknown as autocannon.Instance & Promise<autocannon.Result>;
  // autocannon emits (client, statusCode, resBytes, responseTime); its typings leave out the client.
  instance.on("response", (...args: unknown[]) => {
    const status = args[args.length - 3] as number;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status >= 200 && status < 300) latencies.push(args[args.length - 1] as number);
    else failed++;
  });
  const result = await instance;
  // autocannon's own duration leaves out its start-up; fall back to the wall clock.
  const elapsedMs = Number.isFinite(result.duration) && result.duration > 0 ? result.duration * 1000 : performance.now() - started;
  failed += result.errors + result.timeouts;
  return {
    ok: latencies.length,
    failed,
    statuses,
    elapsedMs,
    throughput: (latencies.length / elapsedMs) * 1000,
    latency: latencyFigures(latencies),
  };
}
