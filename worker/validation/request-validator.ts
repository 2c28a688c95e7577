import type { Context, MiddlewareHandler, ValidationTargets } from "hono";

/**
 * Validates a request before its handler runs, as Hono's `validator()`
 * does, for validations that read what they need from the request
 * themselves: the value is stored for `c.req.valid(target)`, and a thrown
 * `ApiError` answers the request. Hono's `validator()` first parses its
 * whole target, every query parameter, path parameter or header (and the
 * `Content-Type` besides) only for ours to ignore it, and awaits even a
 * synchronous validation, on every request.
 *
 * @example
 * const keyParam = requestValidator("param", (c) => ({ key: parseKey(c.req.url) }));
 * app.get("/keys/:key", keyParam, (c) => c.text(c.req.valid("param").key));
 */
export function requestValidator<Target extends keyof ValidationTargets, Output>(
  target: Target,
  validate: (c: Context) => Output | Promise<Output>,
): MiddlewareHandler<any, string, { out: { [K in Target]: Output } }> {
  return function validateRequest(c, next) {
    const output = validate(c);
    if (!(output instanceof Promise)) {
      c.req.addValidatedData(target, output as never);
      return next();
    }
    return output.then((value) => {
      c.req.addValidatedData(target, value as never);
      return next();
    });
  };
}
