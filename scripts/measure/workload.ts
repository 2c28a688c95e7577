/**
 * The workload: writers and readers at a fixed rate for a fixed time,
 * readers spread evenly over every region and read mode, a share of writes
 * followed by a visibility poll of every region.
 */
import { READ_MODES, type GeocacheApi, type ReadMode, type WriteAnswer } from "./api";
import { Recorder } from "./recorder";
import { pollVisibility, type VisibilityPolling } from "./visibility";
import { WriterPool } from "./writers";

/** What a run does; every count and time is bounded. */
export interface WorkloadOptions {
  /** Regions readers read from, and that sampled writes are polled in. */
  regions: string[];
  /** Regions writers write from; key i is first written (so homed) in `writerRegions[i % n]` and always written from there. */
  writerRegions: string[];
  /** Read modes, each read in every region. */
  modes: ReadMode[];
  /** Operations (reads and writes) started per second, all clients together. */
  rate: number;
  /** How long operations are started for, ms. */
  durationMs: number;
  /** Keys the workload uses. */
  keys: number;
  /** Bytes in each written value. */
  valueBytes: number;
  /** Share of operations that are reads (0–1); the rest are writes, spread evenly among them. */
  readShare: number;
  /** `X-Max-Staleness` of bounded reads, ms. */
  maxStalenessMs: number;
  /** Operations in flight at most; past it, the next one waits for a slot. */
  concurrency: number;
  /** Share of writes whose visibility is polled in every region (0–1). */
  visibilityShare: number;
  /** Sampled writes polled at once at most; a write sampled while that many are polled is not polled. */
  visibilityConcurrency: number;
  polling: VisibilityPolling;
  /** Pause after the keys are first written, so that replication has reached every region before reads start, ms. */
  settleMs: number;
  /** Keys are named `<prefix>-<i>`; a prefix of its own keeps a run from reading another's keys. */
  keyPrefix: string;
}

/**
 * Defaults of the CLI: twenty seconds, 100 operations a second, one write in
 * ten, one write in ten polled for visibility (one at a time: polling nine
 * regions costs more requests than the write itself).
 */
export const DEFAULT_WORKLOAD: Omit<WorkloadOptions, "regions" | "writerRegions" | "keyPrefix"> = {
  modes: [...READ_MODES],
  rate: 100,
  durationMs: 20_000,
  keys: 32,
  valueBytes: 128,
  readShare: 0.9,
  maxStalenessMs: 1000,
  concurrency: 64,
  visibilityShare: 0.1,
  visibilityConcurrency: 1,
  polling: { pollMs: 10, timeoutMs: 10_000 },
  settleMs: 1000,
};

/** How far a run has got, for a progress display. */
export interface WorkloadProgress {
  phase: "seed" | "settle" | "run" | "drain";
  /** Operations started so far in this phase, and how many the phase has. */
  done: number;
  total: number;
  inFlight: number;
  /** Sampled writes whose visibility is still being polled. */
  polling: number;
}

/** A finished run: its records, and the operations that could not be started in time. */
export interface WorkloadResult {
  recorder: Recorder;
  /** Operations skipped because the run fell more than its slack behind schedule. */
  skipped: number;
  /** Operations that threw instead of recording an answer (a bug or a malformed answer), as messages. */
  failures: string[];
}

/** A key's first write failed, so the run cannot start: the target refuses writes, or does not answer them. */
export class SeedError extends Error {
  override name = "SeedError";

  constructor(
    readonly key: string,
    /** The last answer's status; 0 when none came. */
    readonly status: number,
    /** The last answer's `code: message`, if it gave one. */
    readonly error: string | null,
    readonly attempts: number,
  ) {
    const tries = attempts > 1 ? `, ${attempts} times` : "";
    super(`the first write of ${key} answered ${status || "nothing"}${error ? ` (${error})` : ""}${tries}`);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A first write is sent this many times at most while its answers say to try again. */
const SEED_ATTEMPTS = 4;
/** The longest wait between them, whatever `Retry-After` asks, ms. */
const SEED_RETRY_CAP_MS = 2000;

/** No answer, or one that says the failure passes (429, 502–504): worth sending again. */
function isPassing(status: number): boolean {
  return status === 0 || status === 429 || (status >= 502 && status <= 504);
}

/**
 * A key's first write, sent again while it fails in passing, as any client
 * of a deployment would; one `Idempotency-Key` for all its attempts, so that
 * an attempt whose answer was lost is applied once. The run's own writes are
 * never sent again: they are what is measured, failures included.
 */
async function firstWrite(
  api: GeocacheApi,
  key: string,
  value: Uint8Array<ArrayBuffer>,
  region: string,
  session?: string,
): Promise<WriteAnswer & { version: number }> {
  const idempotencyKey = crypto.randomUUID();
  for (let attempt = 1; ; attempt++) {
    const answer = await api.put(key, value, region, { session, idempotencyKey });
    if (answer.status === 200 && answer.version !== null) return { ...answer, version: answer.version };
    if (!isPassing(answer.status) || attempt === SEED_ATTEMPTS) throw new SeedError(key, answer.status, answer.error, attempt);
    await sleep(Math.min(answer.retryAfterMs ?? 100 * 2 ** attempt, SEED_RETRY_CAP_MS));
  }
}

/** Puts `items` in a random order, in place (Fisher–Yates). */
function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/**
 * Runs the workload against `api`. Key `i` is first written from its home
 * region so that its primary lives there. Then operations start every
 * `1000 / rate` ms, each a write with probability `1 − readShare`: reads
 * visit the region × mode cells in rounds, each round in a fresh random
 * order, so every cell gets as many reads and none keeps a fixed phase
 * after the writes; a write goes to a random key from a client in its home
 * region. Session reads emulate a client that writes
 * then reads: they send the token of the client whose write was last
 * acknowledged in their region (or, where no writer is, in a writer region
 * taken in turn) and read the key it wrote.
 */
export async function runWorkload(
  api: GeocacheApi,
  options: WorkloadOptions,
  onProgress: (progress: WorkloadProgress) => void = () => {},
): Promise<WorkloadResult> {
  const recorder = new Recorder();
  const writers = new WriterPool(options.writerRegions);
  const keys = Array.from({ length: options.keys }, (_, i) => `${options.keyPrefix}-${i}`);
  const homeOf = (i: number) => options.writerRegions[i % options.writerRegions.length]!;
  const value = new Uint8Array(options.valueBytes).fill(0x61);

  // Seed: each key's first write places its primary in its home region.
  for (let i = 0; i < keys.length; i += 8) {
    onProgress({ phase: "seed", done: i, total: keys.length, inFlight: 0, polling: 0 });
    await Promise.all(
      keys.slice(i, i + 8).map(async (key, j) => {
        const writer = writers.acquire(homeOf(i + j));
        const answer = await firstWrite(api, key, value, writer.region, writer.session);
        recorder.acknowledge(key, answer.version, answer.endedAt);
        writers.release(writer, key, answer);
      }),
    );
  }
  onProgress({ phase: "settle", done: 0, total: 0, inFlight: 0, polling: 0 });
  await sleep(options.settleMs);

  const cells = options.regions.flatMap((region) => options.modes.map((mode) => ({ region, mode })));
  const total = Math.max(0, Math.round((options.rate * options.durationMs) / 1000));
  const writeShare = 1 - options.readShare;
  const inFlight = new Set<Promise<void>>();
  const polls = new Set<Promise<void>>();
  const failures: string[] = [];
  const settle = (work: Promise<void>) => work.catch((error: unknown) => void failures.push(String(error)));
  let reads = 0;
  let skipped = 0;

  const write = async () => {
    const i = Math.floor(Math.random() * keys.length);
    const writer = writers.acquire(homeOf(i));
    const answer = await api.put(keys[i]!, value, writer.region, { session: writer.session });
    recorder.recordWrite(keys[i]!, writer.region, answer);
    writers.release(writer, keys[i]!, answer);
    if (answer.status !== 200 || answer.version === null) return;
    if (Math.random() < options.visibilityShare && polls.size < options.visibilityConcurrency) {
      const version = answer.version;
      const poll = settle(
        pollVisibility(api, keys[i]!, version, answer.endedAt, options.regions, options.polling).then((regions) =>
          recorder.recordVisibility({
            key: keys[i]!,
            version,
            writerRegion: writer.region,
            sentAt: answer.startedAt - recorder.origin,
            ackAt: answer.endedAt - recorder.origin,
            regions,
          }),
        ),
      );
      polls.add(poll);
      void poll.finally(() => polls.delete(poll));
    }
  };

  const read = async (region: string, mode: ReadMode, turn: number) => {
    let key = keys[Math.floor(Math.random() * keys.length)]!;
    const writer = mode === "session" ? writers.latestFor(region, turn) : undefined;
    if (writer?.lastKey) key = writer.lastKey;
    const own = writer?.lastVersion;
    const answer = await api.read(key, region, { mode, maxStalenessMs: options.maxStalenessMs, session: writer?.session });
    recorder.recordRead(key, region, mode, answer, own);
  };

  const start = performance.now();
  const slackMs = Math.max(1000, options.durationMs / 5);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / options.rate;
    if (due > performance.now()) await sleep(due - performance.now());
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    if (performance.now() - start > options.durationMs + slackMs) {
      skipped = total - i;
      break;
    }
    let op: Promise<void>;
    if (Math.random() < writeShare) op = settle(write());
    else {
      if (reads % cells.length === 0) shuffle(cells);
      const cell = cells[reads % cells.length]!;
      op = settle(read(cell.region, cell.mode, Math.floor(reads / cells.length)));
      reads++;
    }
    inFlight.add(op);
    void op.finally(() => inFlight.delete(op));
    if (i % 20 === 0) onProgress({ phase: "run", done: i + 1, total, inFlight: inFlight.size, polling: polls.size });
  }
  onProgress({ phase: "run", done: total - skipped, total, inFlight: inFlight.size, polling: polls.size });
  while (inFlight.size || polls.size) {
    onProgress({ phase: "drain", done: total - skipped, total, inFlight: inFlight.size, polling: polls.size });
    await Promise.race([...inFlight, ...polls, sleep(250)]);
  }
  return { recorder, skipped, failures };
}
