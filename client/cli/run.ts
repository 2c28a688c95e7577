import { GeoCache, GeoCacheError, PreconditionFailedError } from "../src/index";
import { parseInvocation, UsageError, type Invocation } from "./args";
import { COMMANDS, CommandFailure } from "./commands";
import { helpText } from "./help";
import type { CliIo } from "./io";
import { targetOf } from "./target";

/** The innermost cause's code or message, e.g. ECONNREFUSED for a fetch that failed. */
function rootCause(error: unknown): string | undefined {
  let cause = (error as { cause?: unknown }).cause;
  let detail: string | undefined;
  while (cause instanceof Error) {
    detail = (cause as NodeJS.ErrnoException).code ?? cause.message;
    cause = cause.cause;
  }
  return detail;
}

/** One line that says what went wrong. */
function describe(error: unknown): string {
  if (error instanceof PreconditionFailedError) {
    const { currentVersion } = error;
    // A deleted key keeps its version, which no --if-match matches.
    if (currentVersion > 0 && !error.exists) {
      return `precondition failed: the key does not exist (deleted or expired at version ${currentVersion}); --if-none-match writes it anew`;
    }
    return `precondition failed: the key is at version ${currentVersion}${currentVersion === 0 ? " (it does not exist)" : ""}`;
  }
  if (error instanceof GeoCacheError) {
    const detail = error.status === 0 ? rootCause(error) : `HTTP ${error.status} ${error.code}`;
    return detail && !error.message.includes(detail) ? `${error.message} (${detail})` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function clientFor(invocation: Invocation, io: CliIo): GeoCache {
  const { url, token, timeoutMs } = targetOf(invocation, io);
  const region = invocation.options.region;
  return new GeoCache({
    url,
    ...(token ? { token } : {}),
    ...(region ? { region } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

/**
 * Runs one command line and answers its exit status: 0 done, 1 the command
 * failed (a missing key, a refused write, an unreachable service), 2 it was
 * called wrongly. Errors are one line on stderr.
 *
 * @example process.exitCode = await run(["get", "greeting"], processIo());
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let command: string | undefined;
  try {
    const invocation = parseInvocation(argv);
    command = invocation.command;
    if (invocation.command === "measure") {
      // Loaded only when asked for: the measurement is a bundle of its own, for Node only.
      const { measure } = await import("./measure-command");
      await measure(invocation, io);
      return 0;
    }
    if (invocation.options.help || invocation.command === undefined) {
      (invocation.options.help ? io.stdout : io.stderr)(helpText(invocation.command));
      return invocation.options.help ? 0 : 2;
    }
    await COMMANDS[invocation.command](clientFor(invocation, io), invocation, io);
    return 0;
  } catch (error) {
    const prefix = commandName(command);
    if (error instanceof UsageError) {
      const name = commandName(error.command ?? command);
      io.stderr(`${name}: ${error.message} (see "${name} --help")\n`);
      return 2;
    }
    if (error instanceof CommandFailure || error instanceof GeoCacheError) {
      io.stderr(`${prefix}: ${describe(error)}\n`);
      return 1;
    }
    // The client refuses arguments it cannot send (a key that is no key, a value it cannot store) with a TypeError.
    if (error instanceof TypeError || error instanceof RangeError) {
      io.stderr(`${prefix}: ${error.message} (see "${prefix} --help")\n`);
      return 2;
    }
    io.stderr(`${prefix}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** How errors name the command: `geocache get`, or `geocache` alone. */
function commandName(command: string | undefined): string {
  return `geocache${command ? ` ${command}` : ""}`;
}
