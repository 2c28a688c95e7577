import { setTimeout as sleep } from "node:timers/promises";

/** The tiers a geocache read is served by. */
export type Tier = "edge" | "replica" | "primary";
export type TierCounts = Record<Tier, number>;

const keyUrl = (origin: string, key: string) => `${origin}/v1/keys/${encodeURIComponent(key)}`;

/** A request of the benchmark's own (seeding, figures) unanswered this long fails the run rather than hanging it. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Writes a value and answers its version; throws on anything but 200. A
 * connection closed under the request (a kept-alive socket the server had
 * just closed) is tried again, twice at most: writing the same bytes again
 * changes nothing the benchmark reads.
 */
export async function put(origin: string, key: string, value: Uint8Array): Promise<number> {
  const send = () =>
    fetch(keyUrl(origin, key), {
      method: "PUT",
      body: Buffer.from(value),
      headers: { "Content-Type": "application/octet-stream" },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  const answer = await send().catch(send).catch(send);
  const text = await answer.text();
  if (answer.status !== 200) throw new Error(`PUT ${key} answered ${answer.status}: ${text}`);
  return (JSON.parse(text) as { version: number }).version;
}

/**
 * Throws unless an eventual `mget` of `keys` finds every one: its answer is
 * a 200 whatever each key's status, so the load's count of 2xx answers
 * would not tell a batch of misses or errors from one of values.
 */
export async function expectEveryKeyFound(origin: string, keys: string[]): Promise<void> {
  const answer = await fetch(`${origin}/v1/mget`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ keys, consistency: "eventual" }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await answer.text();
  if (answer.status !== 200) throw new Error(`mget answered ${answer.status}: ${text.slice(0, 500)}`);
  const { results } = JSON.parse(text) as { results: { key: string; status: number }[] };
  const missed = results.filter((result) => result.status !== 200);
  if (results.length !== keys.length || missed.length > 0) throw new Error(`mget found ${results.length - missed.length} of ${keys.length} keys: ${JSON.stringify(missed).slice(0, 500)}`);
}

interface RegionFigures {
  replication: { applied: number };
  reads: { byTier: TierCounts };
}

async function regionFigures(origin: string): Promise<Record<string, RegionFigures>> {
  const answer = await fetch(`${origin}/v1/stats`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (answer.status !== 200) throw new Error(`/v1/stats answered ${answer.status}: ${(await answer.text()).slice(0, 500)}`);
  return ((await answer.json()) as { regions: Record<string, RegionFigures> }).regions;
}

/** Reads counted so far by the tier that served them, over every region. */
export async function readsByTier(origin: string): Promise<TierCounts> {
  const totals: TierCounts = { edge: 0, replica: 0, primary: 0 };
  for (const figures of Object.values(await regionFigures(origin))) {
    for (const tier of Object.keys(totals) as Tier[]) totals[tier] += figures.reads.byTier[tier] ?? 0;
  }
  return totals;
}

/** The reads counted between two tallies, by tier. */
export function tierDelta(before: TierCounts, after: TierCounts): TierCounts {
  return { edge: after.edge - before.edge, replica: after.replica - before.replica, primary: after.primary - before.primary };
}

/**
 * Waits until replication has gone quiet (no replica applied anything for
 * `quietMs`), at most `limitMs`, so the pushes of one case's writes do not
 * run during the next case. Answers how long it waited.
 */
export async function replicationQuiet(origin: string, quietMs = 300, limitMs = 15_000): Promise<number> {
  const started = performance.now();
  const applied = async () => Object.values(await regionFigures(origin)).reduce((sum, r) => sum + r.replication.applied, 0);
  let last = await applied();
  while (performance.now() - started < limitMs) {
    await sleep(quietMs);
    const now = await applied();
    if (now === last) break;
    last = now;
  }
  return performance.now() - started;
}
