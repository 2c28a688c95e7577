/**
 * What a measurement records — every read with its latency and staleness,
 * every write, and the sampled writes' visibility per region — and the
 * summaries drawn from it.
 */
import type { ReadAnswer, ReadMode, WriteAnswer } from "./api";
import { distribution, type Distribution } from "./stats";

/** One read, times in ms since the run began. */
export interface ReadRecord {
  key: string;
  region: string;
  mode: ReadMode;
  /** When the read was sent. */
  at: number;
  latencyMs: number;
  status: number;
  /** The version served; null when the read failed. */
  version: number | null;
  /** `X-Served-By`: edge, replica or primary. */
  servedBy: string | null;
  /** `X-Region`: the region of the tier that served. */
  servedRegion: string | null;
  /** `X-Cache` from a replica. */
  cache: string | null;
  /** The newest version acknowledged to any writer before the read was sent. */
  expectedVersion: number;
  /** Whether the version served is older than `expectedVersion`. */
  stale: boolean;
  /** `expectedVersion − version` for a stale read, else 0. */
  versionsBehind: number;
  /** For a stale read: ms from the acknowledgement of the first newer version until the read was sent; else 0. */
  stalenessMs: number;
  /** For a session read: the version of the key the session's own client last wrote, which it must see. */
  sessionVersion?: number;
}

/** One write, times in ms since the run began. */
export interface WriteRecord {
  key: string;
  region: string;
  at: number;
  latencyMs: number;
  status: number;
  version: number | null;
}

/** When one region first served a sampled write (eventual reads, polled). */
export interface RegionVisibility {
  /** ms from the write's acknowledgement until a read in the region returned it or a newer version; null if it never did. */
  ms: number | null;
  /**
   * ms from the acknowledgement until the last read that did not return it
   * was sent; null when the first read did. The copy reached the tier that
   * served after this and before `ms`.
   */
  lastMissMs: number | null;
  /** The tier that answered that read. */
  servedBy: string | null;
  /** Reads sent to the region for this write. */
  polls: number;
}

/** A sampled write and when each region first served it. */
export interface VisibilityRecord {
  key: string;
  version: number;
  writerRegion: string;
  /** When the write was sent, ms since the run began: the primary committed it between this and `ackAt`. */
  sentAt: number;
  /** When the write was acknowledged, ms since the run began. */
  ackAt: number;
  regions: Record<string, RegionVisibility>;
}

/** The reads of one region in one mode, summarized. */
export interface CellSummary {
  region: string;
  mode: ReadMode;
  reads: number;
  /** Reads that failed (status other than 200, or no answer). */
  errors: number;
  latency: Distribution;
  /** Stale reads over successful reads (0–1). */
  staleShare: number;
  /** `stalenessMs` of the stale reads only. */
  staleness: Distribution;
  /** `versionsBehind` of the stale reads only. */
  versionsBehind: Distribution;
  /** Successful reads by `X-Served-By`. */
  servedBy: Record<string, number>;
  /** Session reads that returned an older version than their own client had written (read-your-writes broken). */
  ownWritesMissed: number;
}

/** The visibility of the sampled writes in one region. */
export interface RegionVisibilitySummary {
  region: string;
  /** Sampled writes that this region served before the poll gave up. */
  samples: number;
  /** Sampled writes the region never served within the poll's limit. */
  timeouts: number;
  visibility: Distribution;
  /** The tier of the first read that returned the write. */
  servedBy: Record<string, number>;
}

/** Everything a measurement's report shows. */
export interface MeasureSummary {
  cells: CellSummary[];
  visibility: RegionVisibilitySummary[];
  writes: { count: number; errors: number; latency: Distribution };
}

/**
 * One key's acknowledgements in the order of their times, with the newest
 * version acknowledged by each: a read is judged in O(log n) of the key's
 * writes, not by a scan of them all (a long run on few keys has many).
 */
class AckTimeline {
  private readonly times: number[] = [];
  /** `newest[i]`: the highest version among the first i + 1 acknowledgements; never decreases. */
  private readonly newest: number[] = [];
  private readonly versions: number[] = [];

  add(version: number, at: number): void {
    // Answers mostly come in order; one that overtook others is put in its place.
    let i = this.times.length;
    while (i > 0 && this.times[i - 1]! > at) i--;
    this.times.splice(i, 0, at);
    this.versions.splice(i, 0, version);
    this.newest.splice(i, 0, 0);
    for (let j = i; j < this.times.length; j++) this.newest[j] = Math.max(j > 0 ? this.newest[j - 1]! : 0, this.versions[j]!);
  }

  latest(): number {
    return this.newest.at(-1) ?? 0;
  }

  /** The newest version acknowledged before `at` (0 for none). */
  latestBefore(at: number): number {
    const count = firstIndex(this.times.length, (i) => this.times[i]! >= at);
    return count === 0 ? 0 : this.newest[count - 1]!;
  }

  /** When the first version above `version` was acknowledged (there must be one). */
  firstAbove(version: number): number {
    return this.times[firstIndex(this.newest.length, (i) => this.newest[i]! > version)]!;
  }
}

/** The first index below `length` for which `past` holds, `past` being false and then true; `length` when it never holds. */
function firstIndex(length: number, past: (index: number) => boolean): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (past(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * Collects a run's records. Per key it keeps every acknowledged version and
 * when it was acknowledged (client clock), so that a read is judged against
 * exactly the writes acknowledged before it was sent: a write that was still
 * in flight when the read began may or may not be seen, and never counts
 * against it.
 */
export class Recorder {
  readonly reads: ReadRecord[] = [];
  readonly writes: WriteRecord[] = [];
  readonly visibility: VisibilityRecord[] = [];
  private readonly acks = new Map<string, AckTimeline>();

  /** @param origin the `performance.now()` the run's times count from */
  constructor(readonly origin = performance.now()) {}

  /** Records a write; an acknowledged one becomes the standard later reads of its key are judged by. */
  recordWrite(key: string, region: string, answer: WriteAnswer): WriteRecord {
    const record: WriteRecord = this.common(key, region, answer);
    this.writes.push(record);
    if (answer.status === 200 && answer.version !== null) this.acknowledge(key, answer.version, answer.endedAt);
    return record;
  }

  /** Notes that `version` of `key` was acknowledged at `at` (`performance.now()`), without a write record. */
  acknowledge(key: string, version: number, at: number): void {
    let acks = this.acks.get(key);
    if (!acks) this.acks.set(key, (acks = new AckTimeline()));
    acks.add(version, at);
  }

  /**
   * The newest version acknowledged of each key written (first writes
   * included): what the service must serve everywhere once replication has
   * caught up, if it lost nothing it acknowledged.
   */
  latestAcknowledged(): Map<string, number> {
    return new Map([...this.acks].map(([key, acks]) => [key, acks.latest()]));
  }

  /**
   * Records a read and judges its staleness against the writes acknowledged
   * before it was sent; a session read also notes the version its own client wrote.
   */
  recordRead(key: string, region: string, mode: ReadMode, answer: ReadAnswer, sessionVersion?: number): ReadRecord {
    const ok = answer.status === 200 && answer.version !== null;
    const judged = ok ? this.judge(key, answer.version!, answer.startedAt) : { expectedVersion: 0, versionsBehind: 0, stalenessMs: 0 };
    const record: ReadRecord = {
      ...this.common(key, region, answer),
      mode,
      servedBy: answer.servedBy,
      servedRegion: answer.servedRegion,
      cache: answer.cache,
      ...judged,
      stale: judged.versionsBehind > 0,
    };
    if (sessionVersion !== undefined) record.sessionVersion = sessionVersion;
    this.reads.push(record);
    return record;
  }

  /** What a read's and a write's records share: the key, the caller's region, the timing and the outcome. */
  private common(key: string, region: string, answer: ReadAnswer | WriteAnswer): WriteRecord {
    const { startedAt, endedAt, status, version } = answer;
    return { key, region, at: startedAt - this.origin, latencyMs: endedAt - startedAt, status, version };
  }

  /** Records when each region first served a sampled write. */
  recordVisibility(record: VisibilityRecord): void {
    this.visibility.push(record);
  }

  /**
   * Compares `version`, read by a request sent at `sentAt`, with the newest
   * version acknowledged before then; a stale read's age is counted from the
   * acknowledgement of the first version newer than the one it returned.
   */
  private judge(key: string, version: number, sentAt: number): Pick<ReadRecord, "expectedVersion" | "versionsBehind" | "stalenessMs"> {
    const acks = this.acks.get(key);
    const expectedVersion = acks?.latestBefore(sentAt) ?? 0;
    if (version >= expectedVersion) return { expectedVersion, versionsBehind: 0, stalenessMs: 0 };
    return { expectedVersion, versionsBehind: expectedVersion - version, stalenessMs: sentAt - acks!.firstAbove(version) };
  }

  /** Summarizes the reads per region and mode (in the order given), the visibility per region and the writes. */
  summarize(regions: readonly string[], modes: readonly ReadMode[]): MeasureSummary {
    const cells: CellSummary[] = [];
    for (const region of regions) {
      for (const mode of modes) cells.push(summarizeCell(region, mode, this.reads.filter((r) => r.region === region && r.mode === mode)));
    }
    const visibility = regions.map((region) => summarizeVisibility(region, this.visibility));
    const okWrites = this.writes.filter((w) => w.status === 200);
    return {
      cells,
      visibility,
      writes: {
        count: this.writes.length,
        errors: this.writes.length - okWrites.length,
        latency: distribution(okWrites.map((w) => w.latencyMs)),
      },
    };
  }
}

function countBy(values: Array<string | null>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value ?? "unknown"] = (counts[value ?? "unknown"] ?? 0) + 1;
  return counts;
}

function summarizeCell(region: string, mode: ReadMode, reads: ReadRecord[]): CellSummary {
  const ok = reads.filter((r) => r.status === 200);
  const stale = ok.filter((r) => r.stale);
  return {
    region,
    mode,
    reads: reads.length,
    errors: reads.length - ok.length,
    latency: distribution(ok.map((r) => r.latencyMs)),
    staleShare: ok.length ? stale.length / ok.length : Number.NaN,
    staleness: distribution(stale.map((r) => r.stalenessMs)),
    versionsBehind: distribution(stale.map((r) => r.versionsBehind)),
    servedBy: countBy(ok.map((r) => r.servedBy)),
    ownWritesMissed: ok.filter((r) => r.sessionVersion !== undefined && r.version! < r.sessionVersion).length,
  };
}

function summarizeVisibility(region: string, records: VisibilityRecord[]): RegionVisibilitySummary {
  const seen = records.map((record) => record.regions[region]).filter((v): v is RegionVisibility => v !== undefined);
  const served = seen.filter((v) => v.ms !== null);
  return {
    region,
    samples: served.length,
    timeouts: seen.length - served.length,
    visibility: distribution(served.map((v) => v.ms!)),
    servedBy: countBy(served.map((v) => v.servedBy)),
  };
}
