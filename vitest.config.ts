import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/** Aborting a Durable Object (`ctx.abort()`) on purpose surfaces as an unhandled rejection with this flag. */
function isDurableObjectReset(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { durableObjectReset?: unknown }).durableObjectReset === true;
}

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
              bindings: { REPLICATION_DELAY_MS: "3600000" },
            },
          }),
        ],
        test: { name: "workers", include: ["test/workers/**/*.test.ts"], globalSetup: ["test/client-build-setup.ts"] },
      },
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/client-build-setup.ts", "test/node/start-worker.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
