import { buildClient } from "../client/build/build-client";

const BUILD = Symbol.for("geocache.client-build");

/**
 * Builds the client package into dist/client/ before any test runs, once per
 * vitest run however many projects ask: the CLI tests run the built
 * `geocache` command, and the workers pool imports the built bundles.
 */
export default async function buildClientForTests(): Promise<void> {
  const shared = globalThis as { [BUILD]?: Promise<void> };
  shared[BUILD] ??= buildClient();
  await shared[BUILD];
}
