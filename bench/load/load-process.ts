/**
 * The benchmark's load generator, a process of its own (forked by
 * `load-client.ts`), so that sending requests and counting answers never
 * shares a thread with the orchestration. Jobs run as they arrive, so a
 * profile can be taken while a load runs.
 */
import { cpuProfile } from "./cpu-profile";
import { isolateHeap } from "./isolate-heap";
import type { FromLoadProcess, Job, JobResult, ToLoadProcess } from "./protocol";
import { runLoad } from "./run-load";
import { fixedRateReads } from "./fixed-rate-reads";
import { fixedRateWrites } from "./fixed-rate-writes";

function perform(job: Job): Promise<JobResult> {
  switch (job.kind) {
    case "load":
      return runLoad(job);
    case "fixed-rate-reads":
      return fixedRateReads(job);
    case "fixed-rate-writes":
      return fixedRateWrites(job);
    case "heap":
      return isolateHeap(job);
    case "profile":
      return cpuProfile(job);
  }
}

process.on("message", (message: ToLoadProcess) => {
  perform(message.job).then(
    (result) => process.send!({ id: message.id, result } satisfies FromLoadProcess),
    (error: unknown) => process.send!({ id: message.id, error: String((error as Error)?.stack ?? error) } satisfies FromLoadProcess),
  );
});
