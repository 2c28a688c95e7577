/**
 * Maps `items` through `fn` with at most `limit` calls pending at once, and
 * answers the results in the order of `items`, as `Promise.all` would. The
 * first rejection starts no more calls and rejects the whole once those
 * already started have settled, so none is left running unobserved.
 *
 * @example
 * const values = await mapBounded(keys, 16, (key) => readOne(key));
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane);
  const settled = await Promise.allSettled(lanes);
  const rejected = settled.find((lane): lane is PromiseRejectedResult => lane.status === "rejected");
  if (rejected) throw rejected.reason;
  return results;
}
