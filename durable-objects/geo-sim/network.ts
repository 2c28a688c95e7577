import type { Region } from "../topology";
import { defaultMatrix, parseMatrix, type LatencyMatrix } from "./latency-matrix";

/** The settings that turn the simulation on and shape it; never set in production. */
export interface GeoSimEnv {
  /** "on" makes every hop between tiers wait the simulated delay. */
  GEO_SIM?: string;
  /** A JSON latency matrix (round trips in ms) replacing the default's figures. */
  GEO_SIM_MATRIX?: string;
  /** Jitter as a fraction of each delay, e.g. "0.1" for ±10 %. */
  GEO_SIM_JITTER?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A planet in one process: each hop between tiers waits the one-way delay
 * between the regions involved (half the matrix's round trip, with jitter),
 * so that local development shows the latency a deployment would have and
 * the staleness that comes with it.
 */
export class SimulatedNetwork {
  constructor(
    readonly matrix: LatencyMatrix,
    readonly jitter = 0.1,
    private readonly random: () => number = Math.random,
  ) {}

  /** The one-way delay from one region to another, drawn with jitter. */
  oneWayMs(from: Region, to: Region): number {
    const base = this.matrix[from][to] / 2;
    return Math.max(0, base * (1 + this.jitter * (2 * this.random() - 1)));
  }

  /** Waits as a message from `from` to `to` would travel. */
  travel(from: Region, to: Region): Promise<void> {
    return sleep(this.oneWayMs(from, to));
  }

  /** Waits a request's and its answer's travel. */
  async roundTrip(from: Region, to: Region): Promise<void> {
    await sleep(this.oneWayMs(from, to) + this.oneWayMs(to, from));
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
      network = new SimulatedNetwork(env.GEO_SIM_MATRIX ? parseMatrix(env.GEO_SIM_MATRIX) : defaultMatrix(), jitter);
    }
    networks.set(env, network);
  }
  return network;
}
