import { openInspector } from "./inspector";
import type { ProfileJob, ProfileResult } from "./protocol";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Profiles a worker's isolate with V8's sampling profiler for `durationMs`
 * and answers where its time went: the share of samples per function (self
 * time) and per module, the isolate idle time (`(idle)`) included.
 */
export async function cpuProfile(job: ProfileJob): Promise<ProfileResult> {
  const session = await openInspector(job.inspectorPort, job.target);
  try {
    await session.call("Profiler.enable");
    await session.call("Profiler.setSamplingInterval", { interval: 200 });
    await session.call("Profiler.start");
    await new Promise((resolve) => setTimeout(resolve, job.durationMs));
    const { profile } = (await session.call("Profiler.stop")) as unknown as { profile: Profile };
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const selfSamples = new Map<number, number>();
    for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
    const total = profile.samples.length;
    const byFunction = new Map<string, number>();
    for (const [id, count] of selfSamples) {
      const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
      const name = `${functionName || "(anonymous)"} ${url ? `${url.split("/").pop()}:${lineNumber + 1}` : ""}`.trim();
      byFunction.set(name, (byFunction.get(name) ?? 0) + count);
    }
    const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, job.top);
    return { samples: total, top: top.map(([name, count]) => ({ name, share: count / total })) };
  } finally {
    session.close();
  }
}
