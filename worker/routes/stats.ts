import { Hono } from "hono";
import { Histogram, type HistogramData } from "../../durable-objects/stats/histogram";
import { ReadTally } from "../../durable-objects/stats/read-tally";
import type { Region } from "../../durable-objects/topology";
import { methodNotAllowed } from "../errors";
import type { RegionVariables } from "../middleware/region";
import { callObject } from "../object-call";
import { settingsFor } from "../settings";
import { statsRecorder } from "../stats-recorder";

const summarize = (data: HistogramData) => new Histogram(data).summary();

/** The live figures of one region, merged from its stats object and every shard of its replicas. */
async function regionFigures(env: Env, region: Region) {
  const { placement } = settingsFor(env);
  const [snapshot, ...shards] = await Promise.all([
    callObject(() => placement.stats(region).snapshot(), { idempotent: true }),
    ...Array.from({ length: placement.shardCount }, (_, shard) =>
      callObject(() => placement.replicaShard(region, shard).stats(), { idempotent: true }),
    ),
  ]);
  const lagWindow = new Histogram();
  const lagTotal = new Histogram();
  let applied = 0;
  for (const shard of shards) {
    lagWindow.merge(shard.lag.window);
    lagTotal.merge(shard.lag.total);
    applied += shard.applied;
  }
  const reads = new ReadTally().merge(snapshot.reads);
  return {
    replication: { lagMs: { window: lagWindow.summary(), total: lagTotal.summary() }, applied },
    pushes: snapshot.pushes,
    reads: {
      total: reads.count,
      byTier: reads.byTier,
      byMode: reads.byMode,
      pastNearest: reads.pastNearest,
      stalenessMs: { window: summarize(snapshot.staleness.window), total: summarize(snapshot.staleness.total) },
    },
  };
}

/** `GET /v1/stats`: per region, replication lag, pushes pending and retried, and the reads served. */
export const stats = new Hono<{ Bindings: Env; Variables: RegionVariables }>();

stats.get("/stats", async (c) => {
  const { placement } = settingsFor(c.env);
  // This isolate's own unsent counts go first, so a caller sees the reads it just made.
  await statsRecorder.settle(placement);
  const entries = await Promise.all(placement.regions.map(async (region) => [region, await regionFigures(c.env, region)] as const));
  return c.json({ now: Date.now(), windowMs: 60_000, regions: Object.fromEntries(entries) });
});
stats.all("/stats", methodNotAllowed(["GET", "HEAD"]));
