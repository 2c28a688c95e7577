import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { call, keyPath } from "./helpers";

/** Each setting that does not parse, with a value it refuses. */
const MISCONFIGURED: { setting: string; vars: Record<string, string> }[] = [
  { setting: "MAX_VALUE_BYTES", vars: { MAX_VALUE_BYTES: "lots" } },
  { setting: "EDGE_CACHE_MAX_AGE_MS", vars: { EDGE_CACHE_MAX_AGE_MS: "-5" } },
  { setting: "EDGE_MEMORY_BYTES", vars: { EDGE_MEMORY_BYTES: "1e12" } },
  { setting: "DEFAULT_CONSISTENCY", vars: { DEFAULT_CONSISTENCY: "bounded" } },
  { setting: "REGIONS", vars: { REGIONS: "weur, mars" } },
  { setting: "REPLICA_SHARDS", vars: { REPLICA_SHARDS: "0" } },
  { setting: "GEO_SIM_MATRIX", vars: { GEO_SIM: "on", GEO_SIM_MATRIX: '{"weur":' } },
  { setting: "GEO_SIM_JITTER", vars: { GEO_SIM: "on", GEO_SIM_JITTER: "2" } },
];

/** The worker, through its own fetch, with `vars` over the test's own. */
async function callWith(vars: Record<string, string>, path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const answer = await worker.fetch(new Request(`https://geocache.test${path}`, init), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return answer;
}

describe("a setting that does not parse", () => {
  it.each(MISCONFIGURED)("$setting: every read and write answers 500 misconfigured, naming the setting, and writes nothing", async ({ setting, vars }) => {
    const key = `misconfigured-${setting}-${crypto.randomUUID()}`;
    const requests: RequestInit[] = [{}, { method: "PUT", body: "v" }, { method: "POST", body: "{}" }];
    const paths = [keyPath(key), keyPath(key), `${keyPath(key)}/incr`];
    for (const [i, init] of requests.entries()) {
      const answer = await callWith(vars, paths[i]!, init);
      expect(answer.status).toBe(500);
      const { error } = (await answer.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("misconfigured");
      expect(error.message).toContain(setting);
    }
    // The same key with the test's own settings: nothing was written.
    expect((await call(`${keyPath(key)}?consistency=strong`)).status).toBe(404);
  });
});
