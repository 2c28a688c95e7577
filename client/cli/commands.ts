import { GeoCache, type Consistency, type GetOptions, type GetResult } from "../src/index";
import { inferType } from "../src/values";
import { numberOption, UsageError, type Invocation } from "./args";
import { valueToSet, type CliIo } from "./io";

/** A command that ran but could not do what was asked (a missing key): exit status 1. */
export class CommandFailure extends Error {
  override name = "CommandFailure";
}

const MODES: readonly Consistency[] = ["strong", "eventual", "bounded", "session"];

function consistencyOf(invocation: Invocation): Consistency | undefined {
  const mode = invocation.options.consistency;
  if (mode !== undefined && !(MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--consistency must be one of ${MODES.join(", ")}, not "${mode}"`, invocation.command);
  }
  return mode as Consistency | undefined;
}

/** The positional arguments of a command, checked against how many it takes. */
function argsOf(invocation: Invocation, names: string[], most = names.length): string[] {
  const { args, command } = invocation;
  if (args.length < names.length) throw new UsageError(`missing <${names[args.length]}>`, command);
  if (args.length > most) throw new UsageError(`unexpected argument "${args[most]}"`, command);
  return args;
}

/** A value for JSON output: parsed JSON, text, or base64 for bytes. */
function jsonValue(bytes: Uint8Array, contentType: string): { value: unknown; encoding?: "base64" } {
  const type = inferType(contentType);
  const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(bytes);
  if (type === "json") {
    try {
      return { value: JSON.parse(text) };
    } catch {
      return { value: text };
    }
  }
  if (type === "text") return { value: text };
  return { value: Buffer.from(bytes).toString("base64"), encoding: "base64" };
}

function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value)}\n`);
}

function described(key: string, result: GetResult<Uint8Array>): Record<string, unknown> {
  const { value, ...meta } = result;
  return { key, ...jsonValue(value, result.contentType), ...meta };
}

/** The service's limits on what a command line may ask for (see the README's API). */
const MAX_WAIT_MS = 5_000;
const MAX_STALENESS_MS = 86_400_000;
const MAX_TTL_SECONDS = 365 * 24 * 60 * 60;

/** `--max-staleness`: whole milliseconds, up to a day. */
function stalenessOption(raw: string | undefined): number | undefined {
  return numberOption(raw, "--max-staleness", { integer: true, min: 0, max: MAX_STALENESS_MS });
}

/** The read options of `get` and `head`. */
function readOptionsOf(invocation: Invocation): Omit<GetOptions, "type"> {
  const { options } = invocation;
  return {
    consistency: consistencyOf(invocation),
    maxStalenessMs: stalenessOption(options["max-staleness"]),
    minVersion: numberOption(options["min-version"], "--min-version", { integer: true, min: 0 }),
    maxWaitMs: numberOption(options["max-wait"], "--max-wait", { integer: true, min: 0, max: MAX_WAIT_MS }),
  };
}

async function get(client: GeoCache, invocation: Invocation, io: CliIo): Promise<void> {
  const [key] = argsOf(invocation, ["key"]);
  const { options } = invocation;
  const result = await client.get(key!, { type: "bytes", ...readOptionsOf(invocation) });
  if (result === null) throw new CommandFailure(`key "${key}" not found`);
  if (options.json) return printJson(io, described(key!, result));
  io.stdout(result.value);
  if (io.stdoutIsTTY && result.value.at(-1) !== 0x0a) io.stdout("\n");
}

async function head(client: GeoCache, invocation: Invocation, io: CliIo): Promise<void> {
  const [key] = argsOf(invocation, ["key"]);
  const result = await client.head(key!, readOptionsOf(invocation));
  if (result === null) throw new CommandFailure(`key "${key}" not found`);
  if (invocation.options.json) return printJson(io, { key, ...result });
  const lines: [string, unknown][] = [
    ["size", result.size ?? "unknown"],
    ["version", result.version],
    ["content-type", result.contentType],
    ["served-by", result.servedBy],
    ["region", result.region],
    ["consistency", result.consistency],
    ["staleness-ms", result.stalenessMs],
    ["expires-at", result.expiresAt === null ? "never" : new Date(result.expiresAt).toISOString()],
  ];
  io.stdout(lines.map(([name, value]) => `${name}: ${String(value)}\n`).join(""));
}

async function set(client: GeoCache, invocation: Invocation, io: CliIo): Promise<void> {
  const [key, ...rest] = argsOf(invocation, ["key"], 2);
  const { options } = invocation;
  const { value, text } = await valueToSet(rest, options.file, io);
  const ttlSeconds = numberOption(options.ttl, "--ttl", { above: 0, max: MAX_TTL_SECONDS });
  const written = await client.set(key!, value, {
    contentType: options["content-type"] ?? (text ? "text/plain; charset=utf-8" : "application/octet-stream"),
    // The service counts whole milliseconds, at least one.
    ttlMs: ttlSeconds === undefined ? undefined : Math.ceil(ttlSeconds * 1000),
    ifMatch: numberOption(options["if-match"], "--if-match", { integer: true, min: 0 }),
    ifNoneMatch: options["if-none-match"] ? "*" : undefined,
  });
  if (options.json) printJson(io, { key, ...written });
  else io.stdout(`${written.version}\n`);
}

async function del(client: GeoCache, invocation: Invocation, io: CliIo): Promise<void> {
  const [key] = argsOf(invocation, ["key"]);
  const ifMatch = numberOption(invocation.options["if-match"], "--if-match", { integer: true, min: 0 });
  if (!(await client.delete(key!, { ifMatch }))) throw new CommandFailure(`key "${key}" not found`);
  if (invocation.options.json) printJson(io, { key, deleted: true });
  else io.stdout("deleted\n");
}

async function incr(client: GeoCache, invocation: Invocation, io: CliIo): Promise<void> {
  const [key, byArg] = argsOf(invocation, ["key"], 2);
  if (byArg !== undefined && invocation.options.by !== undefined) throw new UsageError("give the amount once", "incr");
  const by = numberOption(byArg ?? invocation.options.by ?? "1", "the amount", { integer: true })!;
  const result = await client.incr(key!, by);
  if (invocation.options.json) printJson(io, { key, ...result });
  else io.stdout(`${result.value}\n`);
}

async function mget(client: GeoCache, invocation: Invocation, io: CliIo): Promise<void> {
  const keys = argsOf(invocation, ["key"], Infinity);
  const results = await client.mget<Uint8Array>(keys, {
    type: "bytes",
    consistency: consistencyOf(invocation),
    maxStalenessMs: stalenessOption(invocation.options["max-staleness"]),
  });
  if (invocation.options.json) {
    return printJson(io, results.map((result, i) => (result ? described(keys[i]!, result) : { key: keys[i], value: null })));
  }
  for (const [i, result] of results.entries()) {
    const shown = result === null ? "(nil)" : jsonValue(result.value, result.contentType).value;
    io.stdout(`${keys[i]}\t${typeof shown === "string" ? shown : JSON.stringify(shown)}\n`);
  }
}

async function regions(client: GeoCache, invocation: Invocation, io: CliIo): Promise<void> {
  argsOf(invocation, []);
  const answer = await client.regions();
  if (invocation.options.json) return printJson(io, answer);
  for (const region of answer.regions) io.stdout(`${region}${region === answer.nearest ? "\t(nearest)" : ""}\n`);
}

async function health(client: GeoCache, invocation: Invocation, io: CliIo): Promise<void> {
  argsOf(invocation, []);
  const answer = await client.health();
  if (invocation.options.json) return printJson(io, answer);
  io.stdout(`${answer.status} (region ${answer.region})\n`);
}

/** What each command does. */
export const COMMANDS = { get, head, set, del, incr, mget, regions, health } as const;
