#!/usr/bin/env node
import { processIo } from "./io";
import { run } from "./run";

/** `geocache <command>`: see `geocache --help`. */
process.exitCode = await run(process.argv.slice(2), processIo());
