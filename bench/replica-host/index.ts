/**
 * Hosts geocache's own `RegionReplica` class, alone, so that the memory a
 * replica needs for its copies can be measured: the benchmark fills one
 * replica object with records pushed exactly as a primary pushes them
 * (`apply`), then reads them back, and asks the isolate for its heap.
 */
import { RegionReplica } from "../../durable-objects/region-replica";
import type { ConfirmedRecord } from "../../durable-objects/record";
import { DEFAULT_NAMESPACE } from "../../durable-objects/topology";

export { RegionReplica };

interface Env {
  REGION_REPLICA: DurableObjectNamespace<RegionReplica>;
}

/** Records per push: as many as one `apply` call carries. */
const BATCH = 500;

const replica = (env: Env) => env.REGION_REPLICA.get(env.REGION_REPLICA.idFromName("enam/0"));
const keyOf = (i: number) => `memory-${i}`;

function recordsFrom(from: number, count: number, valueBytes: number, now: number): ConfirmedRecord[] {
  return Array.from({ length: count }, (_, n) => ({
    namespace: DEFAULT_NAMESPACE,
    key: keyOf(from + n),
    version: 1,
    value: new Uint8Array(valueBytes).fill(0x61).buffer,
    contentType: "application/octet-stream",
    committedAt: now,
    confirmedAt: now,
    expiresAt: null,
  }));
}

export default {
  /**
   * `POST /fill?from=&count=&bytes=`: pushes `count` records of `bytes` each, in batches;
   * `POST /read?from=&count=`: reads them back (each one a hit) and answers how many were found.
   */
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const from = Number(url.searchParams.get("from") ?? 0);
    const count = Number(url.searchParams.get("count") ?? 0);
    if (url.pathname === "/fill") {
      const bytes = Number(url.searchParams.get("bytes") ?? 100);
      for (let start = from; start < from + count; start += BATCH) {
        await replica(env).apply(recordsFrom(start, Math.min(BATCH, from + count - start), bytes, Date.now()));
      }
      return new Response("filled");
    }
    if (url.pathname === "/read") {
      let found = 0;
      for (let i = from; i < from + count; i++) {
        const { record } = await replica(env).read({ namespace: DEFAULT_NAMESPACE, key: keyOf(i) });
        if (record.value !== null) found++;
      }
      return new Response(String(found));
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
