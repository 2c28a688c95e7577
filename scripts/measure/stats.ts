/**
 * Percentiles and distributions of samples, shared by every measurement.
 */

/**
 * The nearest-rank percentile of an ascending array: the smallest sample
 * with at least `p` % of the samples at or below it. NaN for no samples.
 *
 * @example percentile([1, 2, 3, 4], 50) // 2
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The usual figures of a set of samples; NaN where there are none. */
export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Sorts a copy of `samples` (ascending, numerically). */
export function sorted(samples: Iterable<number>): number[] {
  return Array.from(samples).sort((a, b) => a - b);
}

/**
 * Summarizes samples (in any order) as count, p50, p95, p99, max and mean.
 *
 * @example distribution([3, 1, 2]).p50 // 2
 */
export function distribution(samples: Iterable<number>): Distribution {
  const values = sorted(samples);
  const total = values.reduce((sum, value) => sum + value, 0);
  return {
    count: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: values.length ? values[values.length - 1]! : Number.NaN,
    mean: values.length ? total / values.length : Number.NaN,
  };
}

/**
 * The empirical cumulative distribution as steps: for each distinct value,
 * the share of samples (0–1) at or below it, ascending.
 *
 * @example cdf([5, 1, 5]) // [[1, 1/3], [5, 1]]
 */
export function cdf(samples: Iterable<number>): Array<[value: number, share: number]> {
  const values = sorted(samples);
  const steps: Array<[number, number]> = [];
  values.forEach((value, i) => {
    const share = (i + 1) / values.length;
    if (steps.length && steps[steps.length - 1]![0] === value) steps[steps.length - 1]![1] = share;
    else steps.push([value, share]);
  });
  return steps;
}

/**
 * The smallest and largest of `values` ([NaN, NaN] for none), without
 * spreading them into arguments, so any number of samples will do.
 */
export function extent(values: Iterable<number>): [min: number, max: number] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return min <= max ? [min, max] : [Number.NaN, Number.NaN];
}
