import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { TEST_TOKENS_SECRET } from "./test/support/tokens";

/** Aborting a Durable Object (`ctx.abort()`) on purpose surfaces as an unhandled rejection with this flag. */
function isDurableObjectReset(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { durableObjectReset?: unknown }).durableObjectReset === true;
}

declare module "vitest" {
  export interface ProvidedContext {
    /** `FUZZ_SEED=<seed> npm run test:fuzz` replays an HTTP fuzzing run (test/workers/http-fuzz.test.ts reads it). */
    fuzzSeed?: string;
  }
}

const fuzzReplay = { fuzzSeed: process.env.FUZZ_SEED ?? "" };

export default defineConfig({
  test: {
    onUnhandledError(error) {
      if (isDurableObjectReset(error)) return false;
    },
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // Replication runs only when a test runs the primary's alarm, so
              // every test decides exactly when pushes happen.
              // Requests without a token act as admin in the default namespace,
              // as under `npm run dev`; the auth tests send tokens.
              bindings: { REPLICATION_DELAY_MS: "3600000", ANONYMOUS_ACCESS: "admin", GEOCACHE_TOKENS: TEST_TOKENS_SECRET },
              // A limiter small enough to exhaust in a test, swapped in for RATE_LIMITER there.
              ratelimits: { TEST_RATE_LIMITER: { simple: { limit: 5, period: 10 } } },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          // The node project's tests time the simulated network: they run after this one, not beside it.
          sequence: { groupOrder: 0 },
          globalSetup: ["test/client-build-setup.ts"],
          provide: fuzzReplay,
        },
      },
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          sequence: { groupOrder: 1 },
          environment: "node",
          globalSetup: ["test/client-build-setup.ts", "test/node/start-worker.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
