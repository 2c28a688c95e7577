import { readFile, readdir } from "node:fs/promises";

/**
 * Figures of the workerd processes this process started, from Linux's
 * /proc: which they are, their CPU time and their resident memory.
 */

/** The pids of the workerd processes that are children of this process. */
export async function workerdChildren(): Promise<Set<number>> {
  const pids = new Set<number>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, "utf8").catch(() => "");
    if (/^Name:\s+workerd$/m.test(status) && new RegExp(`^PPid:\\s+${process.pid}$`, "m").test(status)) pids.add(Number(entry));
  }
  return pids;
}

/** CPU time (user + system, every thread) a process has used so far, in µs. */
export async function cpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces; fields after it are space-separated, utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/** The kernel's USER_HZ, 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** A process's resident memory in bytes. */
export async function rssBytes(pid: number): Promise<number> {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kib) * 1024;
}
