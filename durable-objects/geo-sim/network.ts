import type { Region } from "../topology";
import { DroppedMessageError, NO_FAULTS, PartitionError, type Faults, type InjectedFault } from "./faults";
import { defaultMatrix, parseMatrix, type LatencyMatrix } from "./latency-matrix";
import type { SimControl } from "./sim-control";

/** The settings that turn the simulation on and shape it; never set in production. */
export interface GeoSimEnv {
  /** "on" makes every hop between tiers wait the simulated delay. */
  GEO_SIM?: string;
  /** A JSON latency matrix (round trips in ms) replacing the default's figures. */
  GEO_SIM_MATRIX?: string;
  /** Jitter as a fraction of each delay, e.g. "0.1" for ±10 %. */
  GEO_SIM_JITTER?: string;
  SIM_CONTROL: DurableObjectNamespace<SimControl>;
}

/** How long a copy of the injected faults is used before it is read again. */
const FAULTS_REFRESH_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A planet in one process: each hop between tiers waits the one-way delay
 * between the regions involved (half the matrix's round trip, with jitter),
 * so that local development shows the latency a deployment would have and
 * the staleness that comes with it. Injected faults cut regions off, lose,
 * delay, duplicate and reorder replication messages, and slow regions down.
 */
export class SimulatedNetwork {
  private cached: { faults: Faults; at: number } = { faults: NO_FAULTS, at: Number.NEGATIVE_INFINITY };
  /** The faults this network has injected so far, by kind. */
  readonly injected: Record<InjectedFault, number> = { cutOff: 0, dropped: 0, delayed: 0, duplicated: 0, reordered: 0 };

  constructor(
    readonly matrix: LatencyMatrix,
    readonly jitter = 0.1,
    private readonly readFaults: () => Promise<Faults> = async () => NO_FAULTS,
    private readonly random: () => number = Math.random,
  ) {}

  /** The faults in force, refreshed at most every 100 ms. */
  async faults(): Promise<Faults> {
    if (Date.now() - this.cached.at > FAULTS_REFRESH_MS) this.cached = { faults: await this.readFaults(), at: Date.now() };
    return this.cached.faults;
  }

  /** The one-way delay from one region to another, drawn with jitter, plus any slowness injected. */
  oneWayMs(from: Region, to: Region, faults: Faults = NO_FAULTS): number {
    const base = (this.matrix[from][to] / 2) * (1 + this.jitter * (2 * this.random() - 1));
    const slow = from === to ? (faults.slow[from] ?? 0) : (faults.slow[from] ?? 0) + (faults.slow[to] ?? 0);
    return Math.max(0, base) + slow;
  }

  /** Fails with {@link PartitionError} when a cut lies between the two regions. */
  async connect(from: Region, to: Region): Promise<void> {
    const { cut } = await this.faults();
    if (from !== to && (cut.includes(from) || cut.includes(to))) {
      this.injected.cutOff++;
      throw new PartitionError(from, to);
    }
  }

  /** Waits as a message from `from` to `to` would travel. */
  async travel(from: Region, to: Region): Promise<void> {
    await sleep(this.oneWayMs(from, to, await this.faults()));
  }

  /** Waits a request's and its answer's travel. */
  async roundTrip(from: Region, to: Region): Promise<void> {
    const faults = await this.faults();
    await sleep(this.oneWayMs(from, to, faults) + this.oneWayMs(to, from, faults));
  }

  /**
   * Carries a replication message: it may be cut off, lost or delayed, then
   * travels. Answers when copies of it arrive again, in ms after it arrives:
   * the sender delivers those copies too (a duplicate right after it, a
   * reordered one `delayMs` later).
   */
  async deliver(from: Region, to: Region): Promise<number[]> {
    await this.connect(from, to);
    const faults = await this.faults();
    if (this.random() < faults.dropShare) {
      this.injected.dropped++;
      throw new DroppedMessageError(from, to);
    }
    const delayed = this.random() < faults.delayShare;
    if (delayed) this.injected.delayed++;
    const copies: number[] = [];
    if (this.random() < faults.duplicateShare) {
      this.injected.duplicated++;
      copies.push(0);
    }
    if (this.random() < faults.reorderShare) {
      this.injected.reordered++;
      copies.push(faults.delayMs);
    }
    await sleep(this.oneWayMs(from, to, faults) + (delayed ? faults.delayMs : 0));
    return copies;
  }
}

const networks = new WeakMap<object, SimulatedNetwork | null>();

/** The simulated network for an `env`, or null when the simulation is off (the production case). */
export function networkFor(env: GeoSimEnv): SimulatedNetwork | null {
  let network = networks.get(env);
  if (network === undefined) {
    if (env.GEO_SIM !== "on") {
      network = null;
    } else {
      const jitter = env.GEO_SIM_JITTER === undefined ? 0.1 : Number(env.GEO_SIM_JITTER);
      if (!(jitter >= 0 && jitter <= 1)) throw new Error(`GEO_SIM_JITTER must be a fraction from 0 to 1, not "${env.GEO_SIM_JITTER}"`);
      const matrix = env.GEO_SIM_MATRIX ? matrixSetting(env.GEO_SIM_MATRIX) : defaultMatrix();
      const control = () => env.SIM_CONTROL.get(env.SIM_CONTROL.idFromName("faults"));
      network = new SimulatedNetwork(matrix, jitter, () => control().faults() as Promise<Faults>);
    }
    networks.set(env, network);
  }
  return network;
}

/** `GEO_SIM_MATRIX` parsed, or an error that names the setting. */
function matrixSetting(json: string): LatencyMatrix {
  try {
    return parseMatrix(json);
  } catch (error) {
    throw new Error(`GEO_SIM_MATRIX is invalid: ${(error as Error).message}`, { cause: error });
  }
}
