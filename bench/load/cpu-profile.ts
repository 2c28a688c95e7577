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

function nameOf({ callFrame: { functionName, url, lineNumber } }: ProfileNode): string {
  return `${functionName || "(anonymous)"} ${url ? `${url.split("/").pop()}:${lineNumber + 1}` : ""}`.trim();
}

/**
 * Profiles a worker's isolate with V8's sampling profiler for `durationMs`
 * and answers where its time went: the share of samples per function, by
 * self time and by inclusive time (its callees too), the isolate's idle
 * time (`(idle)`) included.
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
      const name = nameOf(nodes.get(id)!);
      byFunction.set(name, (byFunction.get(name) ?? 0) + count);
    }
    // Inclusive time: each sample counts once for every function on its stack.
    const parents = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
    const inclusive = new Map<string, number>();
    for (const [id, count] of selfSamples) {
      const onStack = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) onStack.add(nameOf(nodes.get(at)!));
      for (const name of onStack) inclusive.set(name, (inclusive.get(name) ?? 0) + count);
    }
    const ranked = (counts: Map<string, number>) =>
      [...counts]
        .filter(([name]) => name !== "(root)")
        .sort((a, b) => b[1] - a[1])
        .slice(0, job.top)
        .map(([name, count]) => ({ name, share: count / total }));
    return { samples: total, top: ranked(byFunction), inclusive: ranked(inclusive) };
  } finally {
    session.close();
  }
}
