import { readFile } from "node:fs/promises";
import { UsageError } from "./args";

/** What a command reads and writes besides the service: standard streams and the environment. */
export interface CliIo {
  stdout(data: string | Uint8Array): void;
  stderr(text: string): void;
  readStdin(): Promise<Uint8Array>;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  env: Record<string, string | undefined>;
}

/**
 * The process's own streams and environment.
 *
 * @example const code = await run(process.argv.slice(2), processIo());
 */
export function processIo(): CliIo {
  return {
    stdout: (data) => process.stdout.write(data),
    stderr: (text) => process.stderr.write(text),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return new Uint8Array(Buffer.concat(chunks));
    },
    stdinIsTTY: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    env: process.env,
  };
}

/**
 * The value `set` writes: its argument (text), else the file named by
 * `--file`, else standard input (bytes); exactly one of them.
 *
 * @example await valueToSet(["hello"], undefined, io) // { value: "hello", text: true }
 */
export async function valueToSet(
  args: string[],
  file: string | undefined,
  io: CliIo,
): Promise<{ value: string | Uint8Array; text: boolean }> {
  if (args.length > 0 && file !== undefined) throw new UsageError("give the value as an argument or --file, not both", "set");
  if (args.length > 0) return { value: args[0]!, text: true };
  if (file !== undefined) {
    try {
      return { value: new Uint8Array(await readFile(file)), text: false };
    } catch (error) {
      throw new UsageError(`cannot read --file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, "set");
    }
  }
  if (io.stdinIsTTY) throw new UsageError("no value: give one as an argument, with --file, or on standard input", "set");
  return { value: await io.readStdin(), text: false };
}
