import { runDurableObjectAlarm } from "cloudflare:test";
import type { Faults } from "../../durable-objects/geo-sim/faults";
import type { SimulatedNetwork } from "../../durable-objects/geo-sim/network";
import type { KeyPrimary } from "../../durable-objects/key-primary";
import type { KeyRef } from "../../durable-objects/record";
import type { Region } from "../../durable-objects/topology";
import { abortObject, attachNetwork, wipeObject } from "./fault-helpers";
import { inside, placement } from "./helpers";

/** The faults the nemesis injects into objects and regions (message faults are the network's to count). */
export const FAULT_KINDS = [
  "primary aborted",
  "primary aborted mid-alarm",
  "replica aborted",
  "replica storage lost",
  "alarm deleted",
  "alarm pass throws",
  "region cut off",
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number] | "region restored";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Makes the primary's next alarm pass throw, as storage failing mid-pass would. */
function failNextPass(instance: KeyPrimary): void {
  const internals = instance as unknown as { replicatePending: () => Promise<void> };
  const replicatePending = internals.replicatePending.bind(instance);
  internals.replicatePending = async () => {
    internals.replicatePending = replicatePending;
    throw new Error("chaos: the alarm pass throws");
  };
}

/** Runs every key's alarm now: replication, which the workers project otherwise holds back for an hour. */
export async function replicateAll(refs: readonly KeyRef[]): Promise<void> {
  await Promise.all(refs.map((ref) => runDurableObjectAlarm(placement.primary(ref)).catch(() => false)));
}

/**
 * Injects one fault after another, at random (`random` is seeded), into the
 * primaries and replicas of `refs` and the regions, until `done()`: first
 * every kind once in a shuffled order, then kinds drawn at random, with
 * replication passes in between; cut regions are restored a few steps
 * later. Every primary sits behind `network`, whose faults apply only to a
 * primary instance it was attached to: an aborted primary restarts without
 * it and would replicate fault-free (its own re-armed alarms fire on their
 * own). So the nemesis attaches it again to every primary it knows of right
 * after each abort it causes, and before each step, counting the primaries
 * it found without it ({@link Nemesis.reattached}).
 */
export class Nemesis {
  readonly injected = new Map<FaultKind, number>();
  /** The replicas whose storage was lost, as "region id". */
  readonly wiped = new Set<string>();
  /**
   * Primaries found restarted without the network and put behind it again:
   * right after an abort, and at a step's start (a restart the nemesis did
   * not cause, which faults missed until then).
   */
  readonly reattached = { afterAbort: 0, atStep: 0 };
  private readonly cut = new Map<Region, number>();

  constructor(
    private readonly refs: readonly KeyRef[],
    private readonly faults: Faults,
    private readonly network: SimulatedNetwork,
    private readonly random: () => number,
  ) {}

  /** Puts every primary the nemesis knows of behind its network; answers how many were not behind it. */
  async attachEverywhere(): Promise<number> {
    const attached = await Promise.all(this.refs.map((ref) => attachNetwork(ref, this.network).catch(() => false)));
    return attached.filter(Boolean).length;
  }

  /** Injects faults until `done()`; call {@link attachEverywhere} first, so that the first writes meet the network too. */
  async run(done: () => boolean): Promise<void> {
    const opening = [...FAULT_KINDS].sort(() => this.random() - 0.5);
    for (let step = 0; !done(); step++) {
      this.reattached.atStep += await this.attachEverywhere();
      this.restoreRegions(step);
      const kind = step % 2 === 1 ? (opening.shift() ?? (this.random() < 0.5 ? this.pick(FAULT_KINDS) : null)) : null;
      try {
        if (kind) await this.inject(kind, this.pick(this.refs), step);
        else await replicateAll(this.refs);
      } catch {
        // A fault aimed at an object that another fault just reset: the next step goes on.
      }
      await sleep(10 + this.random() * 40);
    }
  }

  private async inject(kind: (typeof FAULT_KINDS)[number], ref: KeyRef, step: number): Promise<void> {
    const primary = placement.primary(ref);
    switch (kind) {
      case "primary aborted":
        await abortObject(primary, "chaos: primary aborted");
        this.reattached.afterAbort += await this.attachEverywhere();
        break;
      case "primary aborted mid-alarm": {
        const pass = runDurableObjectAlarm(primary).catch(() => false);
        await sleep(this.random() * 15);
        await abortObject(primary, "chaos: primary aborted mid-alarm");
        this.reattached.afterAbort += await this.attachEverywhere();
        await pass;
        break;
      }
      case "replica aborted":
        await abortObject(placement.replica(this.pick(placement.regions), ref), "chaos: replica aborted");
        break;
      case "replica storage lost": {
        const region = this.pick(placement.regions);
        await wipeObject(placement.replica(region, ref));
        this.wiped.add(`${region} ${placement.replica(region, ref).id.toString()}`);
        break;
      }
      case "alarm deleted":
        await inside(primary, (_instance: KeyPrimary, state) => state.storage.deleteAlarm());
        break;
      case "alarm pass throws":
        await inside(primary, (instance: KeyPrimary) => failNextPass(instance));
        await runDurableObjectAlarm(primary);
        break;
      case "region cut off": {
        const region = this.pick(placement.regions);
        if (this.cut.size >= 2 || this.cut.has(region)) return;
        this.cut.set(region, step + 4 + Math.floor(this.random() * 10));
        this.faults.cut = [...this.faults.cut, region];
        break;
      }
    }
    this.count(kind);
  }

  private restoreRegions(step: number): void {
    for (const [region, until] of this.cut) {
      if (step < until) continue;
      this.cut.delete(region);
      this.faults.cut = this.faults.cut.filter((r) => r !== region);
      this.count("region restored");
    }
  }

  private count(kind: FaultKind): void {
    this.injected.set(kind, (this.injected.get(kind) ?? 0) + 1);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }
}
