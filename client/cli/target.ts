import { numberOption, UsageError, type Invocation } from "./args";
import type { CliIo } from "./io";

const DEFAULT_URL = "http://127.0.0.1:8787";

/** Where a command sends its requests, and as whom. */
export interface Target {
  url: string;
  token: string | undefined;
  timeoutMs: number | undefined;
}

/**
 * The service a command talks to: `--url`, else `$GEOCACHE_URL`, else the
 * local dev server; the bearer token from `--token`, else `$GEOCACHE_TOKEN`.
 *
 * @example const { url, token } = targetOf(parseInvocation(["health"]), processIo());
 */
export function targetOf(invocation: Invocation, io: CliIo): Target {
  const { options } = invocation;
  const url = options.url ?? (io.env["GEOCACHE_URL"] || DEFAULT_URL);
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url "${url}" is not a URL`, invocation.command);
  }
  return {
    url: url.replace(/\/+$/, ""),
    token: options.token ?? (io.env["GEOCACHE_TOKEN"] || undefined),
    timeoutMs: numberOption(options.timeout, "--timeout", { min: 0 }),
  };
}
