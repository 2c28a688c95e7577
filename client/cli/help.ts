import type { Command } from "./args";

/** The options that say where the service is and who is asking. */
export const TARGET_HELP = `  --url <url>            the service (default: $GEOCACHE_URL, else http://127.0.0.1:8787)
  --token <token>        sent as "Authorization: Bearer <token>" (default: $GEOCACHE_TOKEN)`;

const GLOBAL = `Options for every command:
${TARGET_HELP}
  --region <region>      the region to be served from (sent as X-Region)
  --timeout <ms>         how long one attempt may take (default 10000)
  --json                 print the whole answer as JSON
  -h, --help             this help`;

/** The options of a read of one key (`get`, `head`). */
const READ_OPTIONS = `  --consistency <mode>   strong | eventual | bounded | session
  --max-staleness <ms>   for --consistency bounded: the stalest copy acceptable
  --min-version <n>      serve at least this version
  --max-wait <ms>        how long the service may wait for --min-version`;

/** Every command's help but `measure`'s, which its own bundle holds. */
const COMMANDS: Record<Exclude<Command, "measure">, string> = {
  get: `Usage: geocache get <key> [options]

Prints the key's value (its bytes, as stored); with --json, the value and
where it came from. A missing key exits with status 1.

${READ_OPTIONS}`,
  head: `Usage: geocache head <key> [options]

Prints what a read of the key would say without its value: its size in
bytes, version, type, tier, region and staleness, one "name: value" line
each; with --json, as one object. A missing key exits with status 1.

${READ_OPTIONS}`,
  set: `Usage: geocache set <key> [value] [options]

Writes the value given, else the contents of --file, else standard input.
Prints the new version.

  --file <path>          read the value from a file
  --ttl <seconds>        expire the value after this long
  --content-type <type>  the Content-Type to store (default: text/plain for
                         a value argument, application/octet-stream otherwise)
  --if-match <version>   write only if the key is at this version
  --if-none-match        write only if the key does not exist`,
  del: `Usage: geocache del <key> [options]

Deletes the key. A missing key exits with status 1.

  --if-match <version>   delete only if the key is at this version`,
  incr: `Usage: geocache incr <key> [by] [options]

Adds "by" (default 1; an integer) to the key's integer value and prints
the result. A negative amount goes after "--" or as --by=-5.

  --by <n>               the amount to add`,
  mget: `Usage: geocache mget <key>... [options]

Prints one line per key: the key, a tab, and its value ("(nil)" when it
does not exist); with --json, every result.

  --consistency <mode>   strong | eventual | bounded | session
  --max-staleness <ms>   for --consistency bounded: the stalest copy acceptable`,
  regions: `Usage: geocache regions [options]

Lists the regions that hold replicas; the one serving you is marked.`,
  health: `Usage: geocache health [options]

Asks the service whether it is up, and which region answers.`,
};

const OVERVIEW = `Usage: geocache <command> [args] [options]

Commands:
  get <key>              read a key
  head <key>             a key's size, version and provenance, not its value
  set <key> [value]      write a key (value, --file or standard input)
  del <key>              delete a key
  incr <key> [by]        add to an integer value
  mget <key>...          read many keys
  regions                list the regions
  health                 check the service
  measure                measure staleness vs latency per region and read mode

"geocache <command> --help" describes a command.`;

/**
 * The help text of a command, or of the CLI as a whole.
 *
 * @example process.stdout.write(helpText("get"));
 */
export function helpText(command?: Exclude<Command, "measure">): string {
  return `${command ? COMMANDS[command] : OVERVIEW}\n\n${GLOBAL}\n`;
}
