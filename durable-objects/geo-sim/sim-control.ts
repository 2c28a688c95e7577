import { DurableObject } from "cloudflare:workers";
import { NO_FAULTS, type Faults } from "./faults";

/**
 * The one object (named "faults") that holds the geo simulation's injected
 * faults, so the worker and every Durable Object see the same ones. Only
 * reachable through the admin API while `GEO_SIM` is on.
 */
export class SimControl extends DurableObject {
  async faults(): Promise<Faults> {
    // Faults stored before a kind existed leave it out: it is not injected.
    return { ...NO_FAULTS, ...(await this.ctx.storage.get<Faults>("faults")) };
  }

  async setFaults(faults: Faults): Promise<Faults> {
    await this.ctx.storage.put("faults", faults);
    return faults;
  }
}
