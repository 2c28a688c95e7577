import { describe, expect, it } from "vitest";
import { mapBounded } from "../../worker/bounded-map";
import { batchReadsAtOnce, MAX_BATCH_BYTES_IN_FLIGHT, MAX_BATCH_KEYS } from "../../worker/routes/mget";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("mapBounded", () => {
  it("answers in the order given, with never more than the limit pending", async () => {
    let pending = 0;
    let most = 0;
    const delays = [9, 1, 7, 3, 5, 2, 8, 4, 6, 0, 5, 1];
    const results = await mapBounded(delays, 4, async (delay, index) => {
      most = Math.max(most, ++pending);
      await sleep(delay);
      pending--;
      return `${index}:${delay}`;
    });
    expect(results).toEqual(delays.map((delay, index) => `${index}:${delay}`));
    expect(most).toBe(4);
  });

  it("starts every item at once when they are fewer than the limit", async () => {
    let pending = 0;
    let most = 0;
    await mapBounded([1, 2, 3], 16, async () => {
      most = Math.max(most, ++pending);
      await sleep(2);
      pending--;
    });
    expect(most).toBe(3);
  });

  it("rejects with the first failure, starts nothing after it, and waits for the calls under way", async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = mapBounded([0, 1, 2, 3, 4, 5, 6, 7], 2, async (item) => {
      started.push(item);
      await sleep(item === 0 ? 1 : 10);
      if (item === 0) throw new Error("item 0 failed");
      finished.push(item);
    });
    await expect(run).rejects.toThrow("item 0 failed");
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([1]);
  });
});

describe("batchReadsAtOnce", () => {
  it("reads as many keys of a batch at once as values of the largest size fit in flight, at least 16, at most the batch", () => {
    expect(batchReadsAtOnce(1_048_576)).toBe(16);
    expect(batchReadsAtOnce(512 * 1024)).toBe(32);
    expect(batchReadsAtOnce(160 * 1024)).toBe(MAX_BATCH_KEYS);
    expect(batchReadsAtOnce(1)).toBe(MAX_BATCH_KEYS);
    for (const size of [1_048_576, 700_000, 300_000, 200_000]) expect(batchReadsAtOnce(size) * size).toBeLessThanOrEqual(MAX_BATCH_BYTES_IN_FLIGHT);
  });
});
