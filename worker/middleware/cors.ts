import { createMiddleware } from "hono/factory";
import { cors } from "hono/cors";

/**
 * Lets browsers call the API from any origin (requests carry bearer tokens,
 * never cookies, so no origin gains anything a script elsewhere lacks) and
 * read the headers in `exposeHeaders`. Preflights are answered by Hono's
 * `cors`. Every other answer to a request with an `Origin` (which a browser
 * sends on every cross-origin call) gets its two headers through `c.header`
 * before the handler runs, which the response is then built with, on errors
 * too: Hono's `cors` sets them on a placeholder response that the handler's
 * response is then merged with, a copy that costs a hot read about a sixth
 * of its time. Requests from servers carry no `Origin` and get neither.
 *
 * @example app.use("/v1/*", allowCrossOrigin({ exposeHeaders: ["X-Version"], maxAgeSeconds: 86_400 }));
 */
export function allowCrossOrigin(options: { exposeHeaders: readonly string[]; maxAgeSeconds: number }) {
  const preflight = cors({ origin: "*", exposeHeaders: [...options.exposeHeaders], maxAge: options.maxAgeSeconds });
  const exposed = options.exposeHeaders.join(",");
  return createMiddleware(function allowCrossOrigin(c, next) {
    if (c.req.method === "OPTIONS") return preflight(c, next);
    if (c.req.header("Origin") !== undefined) {
      c.header("Access-Control-Allow-Origin", "*");
      c.header("Access-Control-Expose-Headers", exposed);
    }
    return next();
  });
}
