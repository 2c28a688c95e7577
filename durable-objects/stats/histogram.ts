/**
 * Bound steps within a decade, ×10: at most 25 % apart, so a percentile read
 * off a bucket's upper bound is never more than a quarter above the true one.
 */
const STEPS_PER_DECADE = [10, 12, 15, 18, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80];

/**
 * Upper bounds (ms) of the histogram's buckets: from 1 ms to 10 minutes in
 * steps at most 25 % apart (1, 1.2, 1.5, 1.8, 2, 2.5, … 8, 10, 12, …), then
 * one bucket for everything longer. Fixed, so a histogram's memory is the
 * same however many samples it holds, and histograms from different objects
 * merge by adding counts.
 */
export const BUCKET_BOUNDS_MS: readonly number[] = (() => {
  const bounds: number[] = [];
  for (let decade = 1; decade <= 100_000; decade *= 10) bounds.push(...STEPS_PER_DECADE.map((step) => (step * decade) / 10));
  return [...bounds.filter((bound) => bound < 600_000), 600_000, Number.POSITIVE_INFINITY];
})();

/** A histogram as it travels over RPC and JSON: counts per bucket, and the exact maximum. */
export interface HistogramData {
  counts: number[];
  max: number;
}

/** Percentiles read off a histogram (each the upper bound of the bucket it falls in, capped at the maximum). */
export interface Summary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * A latency histogram with fixed buckets.
 *
 * @example
 * const lag = new Histogram();
 * lag.record(13);
 * lag.summary().p50 // 13: the bucket's bound (15) capped at the largest sample
 */
export class Histogram {
  readonly counts: number[];
  max = 0;

  constructor(data?: HistogramData) {
    this.counts = data ? [...data.counts] : BUCKET_BOUNDS_MS.map(() => 0);
    this.max = data?.max ?? 0;
  }

  record(ms: number): void {
    const value = Math.max(0, ms);
    const bucket = BUCKET_BOUNDS_MS.findIndex((bound) => value <= bound);
    this.counts[bucket]!++;
    if (value > this.max) this.max = value;
  }

  /** Adds another histogram's samples to this one. */
  merge(other: HistogramData): this {
    other.counts.forEach((count, i) => (this.counts[i]! += count));
    this.max = Math.max(this.max, other.max);
    return this;
  }

  get count(): number {
    return this.counts.reduce((sum, count) => sum + count, 0);
  }

  percentile(p: number): number {
    const total = this.count;
    if (total === 0) return 0;
    const rank = Math.ceil((p / 100) * total);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(BUCKET_BOUNDS_MS[i]!, this.max);
    }
    return this.max;
  }

  summary(): Summary {
    return { count: this.count, p50: this.percentile(50), p90: this.percentile(90), p99: this.percentile(99), max: this.max };
  }

  toJSON(): HistogramData {
    return { counts: [...this.counts], max: this.max };
  }
}

/**
 * A histogram of the recent past and one since start: the recent one is a
 * ring of slots (six of ten seconds by default), so the window slides
 * without keeping samples.
 */
export class WindowedHistogram {
  readonly total = new Histogram();
  private readonly slots: { start: number; histogram: Histogram }[] = [];

  constructor(
    readonly slotMs = 10_000,
    readonly slotCount = 6,
  ) {}

  record(ms: number, now = Date.now()): void {
    this.total.record(ms);
    this.slotAt(now).record(ms);
  }

  /** Adds a batch of samples taken elsewhere (a worker's tally) as of `now`. */
  merge(data: HistogramData, now = Date.now()): void {
    this.total.merge(data);
    this.slotAt(now).merge(data);
  }

  private slotAt(now: number): Histogram {
    const start = now - (now % this.slotMs);
    let slot = this.slots.at(-1);
    if (!slot || slot.start !== start) {
      slot = { start, histogram: new Histogram() };
      this.slots.push(slot);
      while (this.slots.length > this.slotCount) this.slots.shift();
    }
    return slot.histogram;
  }

  /** The samples of the last `slotMs × slotCount` ms. */
  recent(now = Date.now()): Histogram {
    const since = now - this.slotMs * this.slotCount;
    const merged = new Histogram();
    for (const slot of this.slots) if (slot.start > since) merged.merge(slot.histogram.toJSON());
    return merged;
  }

  toJSON(now = Date.now()): { window: HistogramData; total: HistogramData } {
    return { window: this.recent(now).toJSON(), total: this.total.toJSON() };
  }
}
