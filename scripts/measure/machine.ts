import { cpus, totalmem } from "node:os";

/** This machine in one line: cores, CPU model, memory and Node version, for a measurement's report. */
export function describeMachine(): string {
  return `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}
