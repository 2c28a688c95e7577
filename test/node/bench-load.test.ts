import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { fixedRateReads } from "../../bench/load/fixed-rate-reads";

let server: Server | null = null;

/** A server on 127.0.0.1 that answers each request after `delayMs`, or never (null). */
async function serving(delayMs: number | null): Promise<string> {
  server = createServer((_request, response) => {
    if (delayMs !== null) setTimeout(() => response.end("x"), delayMs);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = null;
});

describe("the benchmark's paced reads", () => {
  it("time each read from when it was due, so reads queued for the one connection are slow by their wait", async () => {
    const origin = await serving(30);
    // 20 reads due 10 ms apart, each answered in 30 ms over one connection: the queue grows by 20 ms a read.
    const result = await fixedRateReads({ kind: "fixed-rate-reads", origin, paths: ["/"], headers: {}, ratePerSecond: 100, durationMs: 200, connections: 1 });
    expect(result.ok).toBe(20);
    expect(result.failed).toBe(0);
    // From its send the last read took 30 ms; from its due time about 20 × 30 − 19 × 10 = 410 ms.
    expect(result.latency.max).toBeGreaterThan(300);
    expect(result.latency.p50).toBeGreaterThan(100);
  });

  it("fail a read that no answer reaches within the time limit, counted from when it went out, queued or not", async () => {
    const origin = await serving(null);
    const started = performance.now();
    const result = await fixedRateReads({ kind: "fixed-rate-reads", origin, paths: ["/"], headers: {}, ratePerSecond: 100, durationMs: 100, connections: 1, timeoutMs: 300 });
    expect(result.ok).toBe(0);
    expect(result.failed).toBe(10);
    // Queued reads time out together, not one connection's limit after another (10 × 300 ms).
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
