import { describe, expect, it, vi } from "vitest";
import { call, keyPath, placement, putText, uniqueRef } from "./helpers";

describe("the read tallies an isolate sends", () => {
  it("reach the region's stats object about a second after the last read, with no read after it", async () => {
    const region = "sam";
    const ref = uniqueRef("tally");
    await putText(ref, "counted", region);
    const stats = placement.stats(region);
    const strongReads = async () => (await stats.snapshot()).reads.byMode.strong;
    const before = await strongReads();
    // The first read may send at once (a flush was due); the second comes too soon after it for one.
    for (let i = 0; i < 2; i++) {
      const answer = await call(keyPath(ref.key), { headers: { "X-Region": region, "X-Consistency": "strong" } });
      expect(answer.status).toBe(200);
      await answer.arrayBuffer();
    }
    await vi.waitFor(async () => expect((await strongReads()) - before).toBe(2), { timeout: 4_000, interval: 100 });
  });
});
