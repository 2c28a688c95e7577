import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FixedRateReadsJob, FromLoadProcess, HeapJob, HeapResult, Job, ProfileJob, ProfileResult, JobResult, LoadJob, LoadResult, FixedRateWritesJob, FixedRateWritesResult } from "./protocol";

/**
 * The benchmark's side of its load process: forks it (TypeScript through
 * tsx) and sends it jobs.
 *
 * @example
 * const load = startLoadProcess();
 * const figures = await load.run({ kind: "load", origin, request, connections: 16, durationMs: 3000, maxRequests: 100_000 });
 * load.stop();
 */
export class LoadProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (result: JobResult) => void; reject: (error: Error) => void }>();

  constructor(private readonly child: ChildProcess) {
    child.on("message", (message: FromLoadProcess) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(`load process: ${message.error}`));
      else waiter.resolve(message.result!);
    });
    child.on("exit", (code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`load process exited (${code})`));
      this.pending.clear();
    });
  }

  run(job: LoadJob | FixedRateReadsJob): Promise<LoadResult>;
  run(job: FixedRateWritesJob): Promise<FixedRateWritesResult>;
  run(job: HeapJob): Promise<HeapResult>;
  run(job: ProfileJob): Promise<ProfileResult>;
  run(job: Job): Promise<JobResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, job });
    });
  }

  stop(): void {
    this.child.kill();
  }
}

/** Forks the load process; `advanced` serialization carries request bodies as bytes. */
export function startLoadProcess(): LoadProcess {
  const child = fork(fileURLToPath(new URL("./load-process.ts", import.meta.url)), {
    execArgv: ["--import", "tsx", "--experimental-websocket", "--no-warnings"],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new LoadProcess(child);
}
