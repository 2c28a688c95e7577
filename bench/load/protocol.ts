/**
 * The messages between the benchmark and its load process: one job at a
 * time, each answered with its figures.
 */

/** One HTTP request of a load: where it goes and what it carries. */
export interface RequestSpec {
  method: "GET" | "PUT" | "POST";
  /** Paths to cycle through in order (one path: every request the same). */
  paths: string[];
  headers?: Record<string, string>;
  /** The body of every request, if any. */
  body?: Uint8Array;
}

/** A closed loop, as fast as answers come, bounded in time and count. */
export interface LoadJob {
  kind: "load";
  origin: string;
  request: RequestSpec;
  connections: number;
  durationMs: number;
  maxRequests: number;
}

/** GETs sent on a fixed schedule (an open loop), cycling through `paths`, each timed from when it was due. */
export interface FixedRateReadsJob {
  kind: "fixed-rate-reads";
  origin: string;
  paths: string[];
  headers: Record<string, string>;
  ratePerSecond: number;
  durationMs: number;
  /** Keep-alive connections at most; a read due while all are busy waits for one, and that wait counts in its latency. */
  connections: number;
  /** A read unanswered this long after it was due fails (default 10 s). */
  timeoutMs?: number;
}

/** Writes at a fixed rate over a set of keys, sampling how soon a replica serves each write. */
export interface FixedRateWritesJob {
  kind: "fixed-rate-writes";
  origin: string;
  writes: {
    keys: string[];
    ratePerSecond: number;
    durationMs: number;
    value: Uint8Array;
    region: string;
    /** Every n-th write is followed until this many regions' replicas serve it (polls spaced by `pollGapMs`). */
    sampleEvery: number;
    probeRegions: string[];
    pollGapMs: number;
    /** A write due while this many are unanswered is not sent (and counted as skipped): the backlog stays bounded. */
    maxInflight: number;
  };
}

/** A figure of the worker's isolate through the V8 inspector: its heap after a full collection. */
export interface HeapJob {
  kind: "heap";
  inspectorPort: number;
  /** The target whose title contains this (a worker's name). */
  target: string;
}

/** A CPU profile of a worker's isolate over `durationMs`, summarized as its `top` functions by self time. */
export interface ProfileJob {
  kind: "profile";
  inspectorPort: number;
  target: string;
  durationMs: number;
  top: number;
}

export type Job = LoadJob | FixedRateReadsJob | FixedRateWritesJob | HeapJob | ProfileJob;

/** Latency figures in ms over every answer counted. */
export interface LatencyFigures {
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

export interface LoadResult {
  /** Answers with a 2xx status. */
  ok: number;
  /** Answers with any other status, and connection errors and timeouts. */
  failed: number;
  statuses: Record<string, number>;
  elapsedMs: number;
  /** 2xx answers per second. */
  throughput: number;
  latency: LatencyFigures;
}

export interface FixedRateWritesResult {
  /** `achievedRate`: writes answered per second of the phase. */
  writes: { due: number; skipped: number; ok: number; failed: number; latency: LatencyFigures; achievedRate: number };
  /** ms from a write's answer until a replica served it, one sample per followed write and region. */
  visibility: { samplesMs: number[]; unseen: number; p50: number; p99: number; max: number };
}

export interface HeapResult {
  usedBytes: number;
  totalBytes: number;
}

export interface ProfileResult {
  samples: number;
  /** Functions by their share of samples (self time), largest first. */
  top: { name: string; share: number }[];
  /** Functions by their share of samples with their callees (inclusive time), largest first. */
  inclusive: { name: string; share: number }[];
}

export type JobResult = LoadResult | FixedRateWritesResult | HeapResult | ProfileResult;

export type ToLoadProcess = { id: number; job: Job };
export type FromLoadProcess = { id: number; result?: JobResult; error?: string };
