import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { bearer, type TestTokenName } from "../support/tokens";

/** The worker's env with a limiter of 5 requests per 10 s per token in place of the deployed one. */
const limitedEnv = { ...env, RATE_LIMITER: (env as unknown as { TEST_RATE_LIMITER: RateLimit }).TEST_RATE_LIMITER };

async function call(path: string, headers: Record<string, string>): Promise<Response> {
  const ctx = createExecutionContext();
  const answer = await worker.fetch(new Request(`https://geocache.test${path}`, { headers }), limitedEnv, ctx);
  await waitOnExecutionContext(ctx);
  return answer;
}

/**
 * Sends 11 requests: the limiter counts in fixed 10 s windows, and however
 * the 11 fall across one window boundary, one window receives at least 6.
 */
async function burst(token: TestTokenName | null): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) {
    const answer = await call(`/v1/keys/rate-${crypto.randomUUID()}`, token ? bearer(token) : {});
    statuses.push(answer.status);
    if (answer.status === 429) {
      expect(answer.headers.get("Retry-After")).toBe("10");
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    } else {
      await answer.arrayBuffer();
    }
  }
  return statuses;
}

describe("rate limiting per token", () => {
  it("answers 429 with Retry-After once a token is over its limit", async () => {
    const statuses = await burst("limited");
    expect(statuses.slice(0, 5).every((status) => status === 404)).toBe(true);
    expect(statuses).toContain(429);
    expect(statuses.every((status) => status === 404 || status === 429)).toBe(true);
  });

  it("counts each token apart: one token over its limit does not spend another's", async () => {
    expect(await burst("globexRead")).toContain(429);
    const other = await call(`/v1/keys/rate-${crypto.randomUUID()}`, bearer("acmeRead"));
    expect(other.status).toBe(404);
  });

  it("does not limit anonymous local access", async () => {
    expect(await burst(null)).not.toContain(429);
  });
});
