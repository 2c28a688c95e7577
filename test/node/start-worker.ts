import type { TestProject } from "vitest/node";
import { startLocalWorker } from "../../scripts/local-worker";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

/** Starts the worker from wrangler.toml for the node tests, and stops it afterwards. */
export default async function startWorker(project: TestProject): Promise<() => Promise<void>> {
  const worker = await startLocalWorker();
  project.provide("baseUrl", worker.url);
  return worker.stop;
}
