import { fullJitterDelay, type BackoffPolicy } from "./retry";
import type { Region } from "./topology";

/** How long a primary waits before retrying a region that failed: 50 ms growing to 10 s. */
export const REPLICATION_BACKOFF: BackoffPolicy = { baseMs: 50, capMs: 10_000 };

type RegionProgressRow = {
  region: string;
  acked_version: number;
  failures: number;
  next_attempt_at: number;
};

/** What the primary knows of one region: the newest version it acknowledged. */
export interface RegionProgress {
  region: Region;
  ackedVersion: number;
  failures: number;
  /** No push to this region before this time (ms since epoch); 0 means now. */
  nextAttemptAt: number;
}

/** The primary's table of per-region progress. Its schema is part of the primary's migrations. */
export const REPLICATION_SCHEMA = `
CREATE TABLE replication (
  region TEXT PRIMARY KEY,
  acked_version INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;`;

/**
 * The primary's record of which version every region has acknowledged. It is
 * the whole of the replication protocol's durable state: a region is pending
 * while its acknowledged version is below the primary's version, and pushes
 * go on until it is not. Nothing depends on a later write to the same key,
 * and an acknowledgement never moves backwards.
 *
 * The table is read once and then mirrored in memory: the object is its
 * only writer, and an object whose storage write fails is reset, memory and
 * all. Acknowledgements reach the mirror at once and the table only with
 * {@link saveAcknowledged}, which the primary calls in an alarm pass, a
 * stretch that commits anyway, so that an acknowledgement costs no commit
 * of its own (or, after a write a second or more after the key's
 * previous one, in the commit that clears the alarm once every region has
 * that write). A write does not save them: once it commits, every region
 * lacks its version whatever the table says, and the alarm that backs up
 * its pushes saves the acknowledgements that follow. One lost with the
 * instance is harmless: the table then shows the region behind, and it is
 * pushed to again, which a replica answers with the version it holds.
 */
export class ReplicationLog {
  private mirror: Map<string, RegionProgressRow> | null = null;
  /** Regions whose acknowledged version in the mirror is newer than in the table. */
  private readonly unsaved = new Set<Region>();

  constructor(private readonly sql: SqlStorage) {}

  /** Every configured region's progress; a region never pushed to has acknowledged version 0. */
  progress(regions: readonly Region[]): RegionProgress[] {
    const rows = this.rows();
    return regions.map((region) => {
      const row = rows.get(region);
      return {
        region,
        ackedVersion: row?.acked_version ?? 0,
        failures: row?.failures ?? 0,
        nextAttemptAt: row?.next_attempt_at ?? 0,
      };
    });
  }

  private rows(): Map<string, RegionProgressRow> {
    this.mirror ??= new Map(this.sql.exec<RegionProgressRow>("SELECT * FROM replication").toArray().map((row) => [row.region, row]));
    return this.mirror;
  }

  /** The regions that have not acknowledged `version`. */
  pending(regions: readonly Region[], version: number): RegionProgress[] {
    return this.progress(regions).filter((region) => region.ackedVersion < version);
  }

  /** The earliest time a push is due for `version`, or null when every region has it (asked on every request: no allocation). */
  nextDue(regions: readonly Region[], version: number): number | null {
    const rows = this.rows();
    let earliest: number | null = null;
    for (const region of regions) {
      const row = rows.get(region);
      if ((row?.acked_version ?? 0) >= version) continue;
      const due = row?.next_attempt_at ?? 0;
      if (earliest === null || due < earliest) earliest = due;
    }
    return earliest;
  }

  /** Each region holds its `version` (or newer): clear its failures, in memory until {@link saveAcknowledged}. */
  acknowledge(acks: readonly { region: Region; version: number }[]): void {
    const rows = this.rows();
    for (const { region, version } of acks) {
      const row = rows.get(region);
      const ackedVersion = Math.max(row?.acked_version ?? 0, version);
      if (row && row.acked_version === ackedVersion && row.failures === 0) continue;
      rows.set(region, { region, acked_version: ackedVersion, failures: 0, next_attempt_at: 0 });
      this.unsaved.add(region);
    }
  }

  /** Writes the acknowledgements not yet in the table, in one statement (none when there are none). */
  saveAcknowledged(): void {
    if (this.unsaved.size === 0) return;
    const rows = [...this.unsaved].map((region) => this.rows().get(region)!);
    this.sql.exec(
      `INSERT INTO replication (region, acked_version, failures, next_attempt_at) VALUES ${rows.map(() => "(?, ?, ?, ?)").join(", ")}
       ON CONFLICT (region) DO UPDATE SET acked_version = max(acked_version, excluded.acked_version),
         failures = excluded.failures, next_attempt_at = excluded.next_attempt_at`,
      ...rows.flatMap((row) => [row.region, row.acked_version, row.failures, row.next_attempt_at]),
    );
    this.unsaved.clear();
  }

  /** A push to a region failed: back off with full jitter before the next one. */
  fail(region: Region, now: number): void {
    const failures = (this.progress([region])[0]?.failures ?? 0) + 1;
    const nextAttemptAt = now + fullJitterDelay(failures - 1, REPLICATION_BACKOFF);
    this.sql.exec(
      `INSERT INTO replication (region, acked_version, failures, next_attempt_at) VALUES (?, 0, ?, ?)
       ON CONFLICT (region) DO UPDATE SET failures = excluded.failures, next_attempt_at = excluded.next_attempt_at`,
      region,
      failures,
      nextAttemptAt,
    );
    const ackedVersion = this.rows().get(region)?.acked_version ?? 0;
    this.rows().set(region, { region, acked_version: ackedVersion, failures, next_attempt_at: nextAttemptAt });
  }
}

/** A push's answer: the version the region held after it (null when the push failed), and which push it was. */
export interface PushAnswer {
  progress: RegionProgress;
  held: number | null;
  push: number;
}

/**
 * The answers among `pushes` (which never reject) that come within `ms`, and
 * the pushes still silent then, in the order given.
 *
 * @example
 * const { answers, silent } = await answersWithin(pushes, 2_000);
 */
export async function answersWithin(
  pushes: readonly Promise<PushAnswer>[],
  ms: number,
): Promise<{ answers: PushAnswer[]; silent: Promise<PushAnswer>[] }> {
  const answered: (PushAnswer | undefined)[] = pushes.map(() => undefined);
  pushes.forEach((push, i) => void push.then((answer) => (answered[i] = answer)));
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([Promise.all(pushes), deadline]);
  clearTimeout(timer);
  return {
    answers: answered.filter((answer): answer is PushAnswer => answer !== undefined),
    silent: pushes.filter((_, i) => answered[i] === undefined),
  };
}

/** A push unanswered this long is presumed lost (a call that hangs), and its region is pushed to again. */
export const PUSH_PRESUMED_LOST_MS = 30_000;

/**
 * The primary's pushes on their way, in memory: an instance that restarts
 * has none, and its alarm pushes again whatever was not acknowledged. Each
 * region has one push on its way at most. Pushes are numbered, so that an
 * answer can tell whether its region has been pushed to again since.
 *
 * @example
 * const push = pushes.start("oc");
 * pushes.inFlight("oc"); // true until pushes.answered("oc", push), or 30 s
 */
export class PushesInFlight {
  /** When the push on its way to each region started. */
  private readonly onTheWay = new Map<Region, number>();
  private readonly latest = new Map<Region, number>();
  private started = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Marks a push to `region` as on its way; answers its number. */
  start(region: Region): number {
    this.onTheWay.set(region, this.now());
    this.latest.set(region, ++this.started);
    return this.started;
  }

  /** The answer to `push` is in: its region is free for the next push, unless a later one has started. */
  answered(region: Region, push: number): void {
    if (this.isLatest(region, push)) this.onTheWay.delete(region);
  }

  /** Whether `push` is the latest push started to `region`. */
  isLatest(region: Region, push: number): boolean {
    return this.latest.get(region) === push;
  }

  /** Whether a push to `region` is on its way and not yet presumed lost. */
  inFlight(region: Region): boolean {
    const startedAt = this.onTheWay.get(region);
    return startedAt !== undefined && this.now() - startedAt < PUSH_PRESUMED_LOST_MS;
  }

  /** Whether any region has a push on its way. */
  any(): boolean {
    for (const region of this.onTheWay.keys()) if (this.inFlight(region)) return true;
    return false;
  }
}
