import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../durable-objects/group-commit";

describe("GroupCommit", () => {
  it("flushes the items of calls made together once, answering each call with its own items' results", async () => {
    const flushes: number[][] = [];
    const batch = new GroupCommit((items: number[]) => {
      flushes.push(items);
      return items.map((item) => item * 10);
    });
    const answers = await Promise.all([batch.add([1, 2]), batch.add([3]), batch.add([]), batch.add([4, 5, 6])]);
    expect(answers).toEqual([[10, 20], [30], [], [40, 50, 60]]);
    expect(flushes).toEqual([[1, 2, 3, 4, 5, 6]]);

    // A call after the flush starts the next batch.
    expect(await batch.add([7])).toEqual([70]);
    expect(flushes).toEqual([[1, 2, 3, 4, 5, 6], [7]]);
  });

  it("fails every call of a batch whose flush throws, and flushes the next batch anew", async () => {
    let failing = true;
    const batch = new GroupCommit((items: string[]) => {
      if (failing) throw new Error("storage failed");
      return items.map((item) => item.toUpperCase());
    });
    const results = await Promise.allSettled([batch.add(["a"]), batch.add(["b"])]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    failing = false;
    expect(await batch.add(["c"])).toEqual(["C"]);
  });
});
