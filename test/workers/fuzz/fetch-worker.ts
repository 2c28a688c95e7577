import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../../worker/index";

/**
 * Sends a request to the worker's fetch handler and waits for the work it
 * deferred (`waitUntil`), so the next request sees all of its effects.
 * Called directly rather than through `exports.default.fetch`, whose cost
 * per call grows with the calls made before it in a test file (from ~6 ms
 * to ~150 ms over 2,000 calls), which would bound how many requests a
 * fuzzing run can afford.
 *
 * @example const answer = await fetchWorker(new Request("https://geocache.test/v1/health"));
 */
export async function fetchWorker(request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, env as Env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}
