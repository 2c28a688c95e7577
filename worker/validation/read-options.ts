import type { Context } from "hono";
import { CONSISTENCY_MODES, isConsistency, type ReadOptions } from "../consistency";
import { ApiError } from "../errors";
import { wholeNumber } from "./numbers";
import { requestValidator } from "./request-validator";

/** The longest a read may wait for replication before it goes on to the primary. */
export const MAX_WAIT_MS = 5_000;
/** The loosest staleness bound accepted: a day. */
export const MAX_STALENESS_MS = 86_400_000;

/** The read mode a request names, if any: `X-Consistency` or `?consistency=`, which must agree. */
function namedMode(c: Context): ReadOptions["mode"] {
  const fromHeader = c.req.header("X-Consistency")?.trim().toLowerCase() || undefined;
  const fromQuery = c.req.query("consistency")?.trim().toLowerCase() || undefined;
  for (const value of [fromHeader, fromQuery]) {
    if (value !== undefined && !isConsistency(value)) {
      throw new ApiError(400, "invalid_consistency", `unknown read mode "${value}": use one of ${CONSISTENCY_MODES.join(", ")}`);
    }
  }
  if (fromHeader && fromQuery && fromHeader !== fromQuery) {
    throw new ApiError(400, "invalid_consistency", `X-Consistency says "${fromHeader}" but ?consistency= says "${fromQuery}"`);
  }
  return (fromHeader ?? fromQuery) as ReadOptions["mode"];
}

/** The staleness bound from `X-Max-Staleness` (ms) and the `Cache-Control` request directives, the tighter of them. */
function stalenessBound(c: Context): number | undefined {
  const bounds: number[] = [];
  const header = c.req.header("X-Max-Staleness");
  if (header !== undefined) bounds.push(wholeNumber("X-Max-Staleness", header, 0, MAX_STALENESS_MS));
  for (const directive of (c.req.header("Cache-Control") ?? "").split(",")) {
    const [name, value] = directive.trim().toLowerCase().split("=", 2) as [string, string | undefined];
    if (name === "no-cache") bounds.push(0);
    if (name === "max-age" && value !== undefined) {
      bounds.push(wholeNumber("Cache-Control max-age", value.replace(/^"|"$/g, ""), 0, MAX_STALENESS_MS / 1000) * 1000);
    }
  }
  return bounds.length > 0 ? Math.min(...bounds) : undefined;
}

/**
 * Parses what a read asks for: its mode, a staleness bound, a minimum
 * version and how long it may wait for replication. Applying the session
 * happens later, per key.
 */
export function readOptionsOf(c: Context): ReadOptions {
  return requireBound(requestedReadOptions(c), "X-Max-Staleness (ms) or Cache-Control: max-age");
}

/** `options`, unless they are bounded without a bound: then a 400 saying how to give one (`ways`). */
export function requireBound(options: ReadOptions, ways: string): ReadOptions {
  if (options.mode === "bounded" && options.maxStalenessMs === undefined) {
    throw new ApiError(400, "invalid_consistency", `bounded reads need ${ways}`);
  }
  return options;
}

/**
 * The read options the request's headers and query give, as
 * {@link readOptionsOf} parses them, except that a bounded read may still
 * lack its bound: a batch read can name it in its body.
 */
export function requestedReadOptions(c: Context): ReadOptions {
  const options: ReadOptions = { mode: namedMode(c) };
  const bound = stalenessBound(c);
  if (bound !== undefined) options.maxStalenessMs = bound;
  const minVersion = c.req.header("X-Min-Version");
  if (minVersion !== undefined) options.minVersion = wholeNumber("X-Min-Version", minVersion, 0, Number.MAX_SAFE_INTEGER);
  const maxWait = c.req.header("X-Max-Wait-Ms");
  if (maxWait !== undefined) options.maxWaitMs = wholeNumber("X-Max-Wait-Ms", maxWait, 0, MAX_WAIT_MS);
  return options;
}

/** Validates a read's options; handlers read them as `c.req.valid("query")`. */
export const readOptions = requestValidator("query", readOptionsOf);
