/**
 * The writing clients of a workload: each writes one request at a time and
 * keeps the session token its answers give it, like a user's client would.
 */
import type { WriteAnswer } from "./api";

/** One client: where it writes from, its session token, and its last acknowledged write. */
export interface WriterClient {
  region: string;
  session?: string;
  lastKey?: string;
  lastVersion?: number;
}

/**
 * Clients per region, created as needed: a write takes an idle client of
 * its region (or a new one) and gives it back when answered, so no client
 * ever has two writes in flight and its token always covers its own writes.
 */
export class WriterPool {
  private readonly idle = new Map<string, WriterClient[]>();
  private readonly latest = new Map<string, WriterClient>();

  /** @param regions the regions writers write from */
  constructor(readonly regions: readonly string[]) {}

  /** An idle client of `region`, or a new one. */
  acquire(region: string): WriterClient {
    return this.idle.get(region)?.pop() ?? { region };
  }

  /** Gives a client back with its write's answer: an acknowledged write becomes what it wrote last. */
  release(client: WriterClient, key: string, answer: WriteAnswer): void {
    if (answer.session) client.session = answer.session;
    if (answer.status === 200 && answer.version !== null) {
      client.lastKey = key;
      client.lastVersion = answer.version;
      this.latest.set(client.region, client);
    }
    let idle = this.idle.get(client.region);
    if (!idle) this.idle.set(client.region, (idle = []));
    idle.push(client);
  }

  /**
   * The client that last had a write acknowledged in `region`; where no
   * writer writes from there, that of a writer region taken in turn.
   */
  latestFor(region: string, turn: number): WriterClient | undefined {
    return this.latest.get(region) ?? this.latest.get(this.regions[turn % this.regions.length]!);
  }
}
