import { createMiddleware } from "hono/factory";

/**
 * Marks every answer `Cache-Control: no-store`. An answer is for the request
 * that asked — its mode, session and region — and one kept by a browser or
 * a proxy would be served later without asking the service: a strong read
 * included, since an answer with `Last-Modified` and no `Cache-Control` may
 * be reused by a browser heuristically (RFC 9111 §4.2.2). Set through
 * `c.header` before the handler runs, so errors carry it too.
 *
 * @example app.use("/v1/*", noStore());
 */
export function noStore() {
  return createMiddleware(function noStore(c, next) {
    c.header("Cache-Control", "no-store");
    return next();
  });
}
