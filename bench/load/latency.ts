import { percentile, sorted } from "../../scripts/measure/stats";
import type { LatencyFigures } from "./protocol";

/** p50, p99, mean and max of latencies in ms (NaN for none). */
export function latencyFigures(samples: readonly number[]): LatencyFigures {
  const values = sorted(samples);
  const total = values.reduce((sum, value) => sum + value, 0);
  return {
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    mean: values.length ? total / values.length : Number.NaN,
    max: values.length ? values[values.length - 1]! : Number.NaN,
  };
}
