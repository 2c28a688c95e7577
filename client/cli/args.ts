import { parseArgs } from "node:util";
import { WORKLOAD_OPTION_NAMES, type WorkloadOptionName } from "../../scripts/measure/option-names";

/** A mistake in how the command was called: reported with a pointer to `--help`, exit status 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** The options of `measure`'s workload, all strings that the measurement checks itself. */
const WORKLOAD_OPTIONS = Object.fromEntries(WORKLOAD_OPTION_NAMES.map((name) => [name, { type: "string" }])) as {
  [name in WorkloadOptionName]: { type: "string" };
};

/** Every option the CLI knows; each command accepts the global ones and its own. */
const OPTIONS = {
  ...WORKLOAD_OPTIONS,
  url: { type: "string" },
  token: { type: "string" },
  consistency: { type: "string" },
  region: { type: "string" },
  json: { type: "boolean" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
  "max-staleness": { type: "string" },
  "min-version": { type: "string" },
  "max-wait": { type: "string" },
  file: { type: "string" },
  ttl: { type: "string" },
  "content-type": { type: "string" },
  "if-match": { type: "string" },
  "if-none-match": { type: "boolean" },
  by: { type: "string" },
} as const;

export type OptionName = keyof typeof OPTIONS;
export type OptionValues = { [name in OptionName]?: (typeof OPTIONS)[name]["type"] extends "boolean" ? boolean : string };

/** The options every command takes. */
export const GLOBAL_OPTIONS: readonly OptionName[] = ["url", "token", "region", "json", "timeout", "help"];

/** The commands, and the options each takes besides the global ones. */
export const COMMAND_OPTIONS = {
  get: ["consistency", "max-staleness", "min-version", "max-wait"],
  head: ["consistency", "max-staleness", "min-version", "max-wait"],
  set: ["file", "ttl", "content-type", "if-match", "if-none-match"],
  del: ["if-match"],
  incr: ["by"],
  mget: ["consistency", "max-staleness"],
  regions: [],
  health: [],
  // --consistency only to be refused with a pointer to --modes.
  measure: [...WORKLOAD_OPTION_NAMES, "consistency"],
} as const satisfies Record<string, readonly OptionName[]>;

export type Command = keyof typeof COMMAND_OPTIONS;

/** A parsed command line. */
export interface Invocation {
  command: Command | undefined;
  args: string[];
  options: OptionValues;
}

function isCommand(name: string | undefined): name is Command {
  return name !== undefined && Object.hasOwn(COMMAND_OPTIONS, name);
}

/**
 * Parses `geocache <command> [args] [options]`; options may come before or
 * after the command. Unknown commands and options a command does not take
 * are usage errors.
 *
 * @example parseInvocation(["get", "k", "--json"]) // { command: "get", args: ["k"], options: { json: true } }
 */
export function parseInvocation(argv: string[]): Invocation {
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    throw new UsageError((error as Error).message.split(". ")[0]!.replace(/\.$/, ""));
  }
  const [name, ...args] = parsed.positionals;
  if (name === undefined) return { command: undefined, args: [], options: parsed.values };
  if (!isCommand(name)) throw new UsageError(`unknown command "${name}"`);
  const allowed: readonly OptionName[] = [...GLOBAL_OPTIONS, ...COMMAND_OPTIONS[name]];
  for (const option of Object.keys(parsed.values) as OptionName[]) {
    if (!allowed.includes(option)) throw new UsageError(`does not take --${option}`, name);
  }
  return { command: name, args, options: parsed.values };
}

/**
 * A numeric option or argument, or a usage error naming it.
 *
 * @example numberOption("5", "--ttl", { min: 0 }) // 5
 */
export function numberOption(
  raw: string | undefined,
  name: string,
  rules: { integer?: boolean; min?: number; max?: number; above?: number } = {},
): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  // Decimal only: Number() would also take 0x10, 0b11 or 1e3.
  const fits = /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(raw) && Number.isFinite(value) && (!rules.integer || Number.isSafeInteger(value));
  const inRange =
    (rules.min === undefined || value >= rules.min) && (rules.max === undefined || value <= rules.max) && (rules.above === undefined || value > rules.above);
  if (!fits || !inRange) {
    const kind = rules.integer ? "an integer" : "a number";
    const bounds = [
      rules.min !== undefined ? `at least ${rules.min}` : "",
      rules.above !== undefined ? `above ${rules.above}` : "",
      rules.max !== undefined ? `at most ${rules.max}` : "",
    ].filter(Boolean);
    throw new UsageError(`${name} must be ${kind}${bounds.length ? ` ${bounds.join(" and ")}` : ""}, not "${raw}"`);
  }
  return value;
}
