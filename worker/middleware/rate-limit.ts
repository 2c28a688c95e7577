import { createMiddleware } from "hono/factory";
import { ApiError } from "../errors";
import type { AuthVariables } from "./auth";

/**
 * Counts each token's requests with Cloudflare's rate-limiting binding and
 * answers 429 with `Retry-After` once a token is over its limit. The count
 * is per token (by its non-secret id), so one tenant cannot spend another's
 * budget. Anonymous local access is not limited. If the limiter itself
 * fails, the request is served: the limit protects the service, and a
 * failed count is no reason to refuse a caller.
 *
 * @example app.use("/v1/*", rateLimit({ retryAfterSeconds: 10 }));
 */
export function rateLimit(options: { retryAfterSeconds: number }) {
  const retryAfter = String(options.retryAfterSeconds);
  return createMiddleware<{ Bindings: Env; Variables: AuthVariables }>(async function limitRate(c, next) {
    const principal = c.get("principal");
    if (principal && !principal.anonymous && c.env.RATE_LIMITER) {
      let allowed = true;
      try {
        allowed = (await c.env.RATE_LIMITER.limit({ key: principal.id })).success;
      } catch (error) {
        console.error(`rate limiter failed: ${String(error)}`);
      }
      if (!allowed) {
        throw new ApiError(429, "rate_limited", `this token is over its request limit; retry after ${retryAfter} s`, {
          "Retry-After": retryAfter,
        });
      }
    }
    await next();
  });
}
