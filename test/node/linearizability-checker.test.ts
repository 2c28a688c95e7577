import { describe, expect, it } from "vitest";
import { check } from "../support/linearizability/checker";
import { HistoryRecorder, type Operation } from "../support/linearizability/history";
import { registerModel, type RegisterInput, type RegisterOutput, type RegisterState } from "../support/linearizability/model";

type Op = Operation<RegisterInput, RegisterOutput>;

/**
 * Builds a history by hand: `op(process, [call, return], input, output)`;
 * `[call]` alone is an operation whose outcome is unknown.
 */
function historyOf(key = "k") {
  const ops: Op[] = [];
  const builder = {
    ops,
    op(process: string, times: [number, number] | [number], input: RegisterInput, output?: RegisterOutput, on = key) {
      const [call, ret] = times;
      ops.push({
        id: ops.length,
        process,
        key: on,
        input,
        call,
        return: ret ?? Infinity,
        output: ret === undefined ? undefined : output,
        ...(ret === undefined ? { unknownReason: "timeout" } : {}),
      });
      return builder;
    },
  };
  return builder;
}

const put = (value: string): RegisterInput => ({ op: "put", value });
const get: RegisterInput = { op: "get" };
const cas = (expected: number, value: string): RegisterInput => ({ op: "cas", expected, value });
const del: RegisterInput = { op: "delete" };
const delIf = (expected: number): RegisterInput => ({ op: "delete", expected });
const ok = (version: number, value?: string): RegisterOutput => (value === undefined ? { status: 200, version } : { status: 200, version, value });
const missing = (version?: number): RegisterOutput => (version === undefined ? { status: 404 } : { status: 404, version });
const failed = (currentVersion: number): RegisterOutput => ({ status: 412, currentVersion });

function expectLinearizable(ops: Op[]) {
  const result = check(registerModel, ops);
  expect(result.violations.map((v) => v.message)).toEqual([]);
  expect(result.verdict).toBe("linearizable");
  return result;
}

function expectViolation(ops: Op[]) {
  const result = check(registerModel, ops);
  expect(result.verdict).toBe("violation");
  expect(result.violations).toHaveLength(1);
  return result.violations[0]!;
}

describe("the versioned register model", () => {
  const { init, step } = registerModel;

  it("starts absent at version 0 and counts every write and delete", () => {
    const s1 = step(init, put("a"), ok(1))!;
    expect(s1).toEqual({ exists: true, value: "a", version: 1 });
    const s2 = step(s1, del, ok(2))!;
    expect(s2).toEqual({ exists: false, value: "", version: 2 });
    expect(step(s2, get, missing(2))).toEqual(s2);
    expect(step(s2, get, missing())).toEqual(s2);
    expect(step(s2, get, missing(1))).toBeUndefined();
    expect(step(s2, del, missing())).toEqual(s2);
    expect(step(s2, put("b"), ok(3))).toEqual({ exists: true, value: "b", version: 3 });
  });

  it("lets a CAS match only a key that exists at the expected version", () => {
    const live: RegisterState = { exists: true, value: "a", version: 4 };
    expect(step(live, cas(4, "b"), ok(5))).toEqual({ exists: true, value: "b", version: 5 });
    expect(step(live, cas(4, "b"), failed(4))).toBeUndefined();
    expect(step(live, cas(3, "b"), failed(4))).toEqual(live);
    expect(step(live, cas(3, "b"), failed(3))).toBeUndefined();
    expect(step(live, cas(3, "b"), ok(5))).toBeUndefined();

    const tombstone: RegisterState = { exists: false, value: "", version: 5 };
    expect(step(tombstone, cas(5, "b"), failed(5))).toEqual(tombstone);
    expect(step(tombstone, cas(5, "b"), ok(6))).toBeUndefined();
    expect(step(init, cas(0, "b"), failed(0))).toEqual(init);
  });

  it("deletes conditionally by the rule of CAS: a missing key fails with 412, not 404", () => {
    const live: RegisterState = { exists: true, value: "a", version: 4 };
    expect(step(live, delIf(4), ok(5))).toEqual({ exists: false, value: "", version: 5 });
    expect(step(live, delIf(3), failed(4))).toEqual(live);
    expect(step(live, delIf(3), ok(5))).toBeUndefined();
    const tombstone: RegisterState = { exists: false, value: "", version: 5 };
    expect(step(tombstone, delIf(5), failed(5))).toEqual(tombstone);
    expect(step(tombstone, delIf(5), missing())).toBeUndefined();
    expect(step(tombstone, delIf(5), undefined)).toEqual(tombstone);
  });

  it("applies an operation with an unknown outcome with whatever answer the state gives", () => {
    const live: RegisterState = { exists: true, value: "a", version: 1 };
    expect(step(live, put("b"), undefined)).toEqual({ exists: true, value: "b", version: 2 });
    expect(step(live, cas(1, "b"), undefined)).toEqual({ exists: true, value: "b", version: 2 });
    expect(step(live, cas(0, "b"), undefined)).toEqual(live);
    expect(step(live, del, undefined)).toEqual({ exists: false, value: "", version: 2 });
    expect(step(init, del, undefined)).toEqual(init);
    expect(step(live, get, undefined)).toEqual(live);
  });

  it("describes operations and states for reports", () => {
    expect(registerModel.describeOperation(cas(2, "x"), failed(3))).toBe('cas(v2, "x") → 412 current v3');
    expect(registerModel.describeOperation(get, ok(3, "x"))).toBe('get() → 200 "x" v3');
    expect(registerModel.describeOperation(del, undefined)).toBe("delete() → unknown");
    expect(registerModel.describeOperation(delIf(4), ok(5))).toBe("delete(v4) → 200 v5");
    expect(registerModel.describeState({ exists: false, value: "", version: 2 })).toBe("absent at v2");
  });
});

describe("the checker accepts linearizable histories", () => {
  it("an empty history", () => {
    expect(expectLinearizable([]).operations).toBe(0);
  });

  it("a sequential history of every operation, tombstones included", () => {
    const { ops } = historyOf()
      .op("a", [0, 1], get, missing(0))
      .op("a", [2, 3], del, missing())
      .op("a", [4, 5], put("x"), ok(1))
      .op("a", [6, 7], get, ok(1, "x"))
      .op("a", [8, 9], cas(1, "y"), ok(2))
      .op("a", [10, 11], cas(1, "z"), failed(2))
      .op("a", [12, 13], del, ok(3))
      .op("a", [14, 15], get, missing(3))
      .op("a", [16, 17], cas(3, "w"), failed(3))
      .op("a", [18, 19], put("v"), ok(4))
      .op("a", [20, 21], get, ok(4, "v"))
      .op("a", [22, 23], delIf(3), failed(4))
      .op("a", [24, 25], delIf(4), ok(5))
      .op("a", [26, 27], delIf(5), failed(5));
    const result = expectLinearizable(ops);
    expect(result.operations).toBe(14);
    expect(result.keys).toBe(1);
  });

  it("overlapping operations, in whichever order explains the answers", () => {
    const { ops } = historyOf()
      // The reads overlap the write: one sees it, one does not.
      .op("a", [0, 10], put("x"), ok(1))
      .op("b", [5, 15], get, ok(1, "x"))
      .op("c", [2, 8], get, missing(0))
      // Two concurrent writes; the later read says which came last.
      .op("a", [20, 30], put("y"), ok(3))
      .op("b", [21, 29], put("z"), ok(2))
      .op("c", [31, 32], get, ok(3, "y"))
      // Two concurrent CAS from version 3: one wins, the other sees its version.
      .op("a", [40, 50], cas(3, "p"), failed(4))
      .op("b", [41, 49], cas(3, "q"), ok(4))
      // Operations that only touch at an instant may be in either order.
      .op("c", [60, 70], del, ok(5))
      .op("a", [70, 80], get, ok(4, "q"));
    expectLinearizable(ops);
  });

  it("keys independently of each other", () => {
    const { ops } = historyOf()
      .op("a", [0, 10], put("x"), ok(1), "k1")
      .op("b", [0, 10], put("x"), ok(1), "k2")
      .op("a", [20, 30], get, ok(1, "x"), "k2")
      .op("b", [20, 30], get, ok(1, "x"), "k1");
    expect(expectLinearizable(ops).keys).toBe(2);
  });

  it("a write with an unknown outcome that took effect, late or never", () => {
    expectLinearizable(
      historyOf()
        .op("a", [0], put("x"))
        .op("b", [10, 20], get, missing(0))
        .op("b", [100, 110], get, ok(1, "x")).ops,
    );
    expectLinearizable(
      historyOf()
        .op("a", [0], put("x"))
        .op("b", [10, 20], get, missing(0))
        .op("b", [30, 40], put("y"), ok(1))
        .op("b", [50, 60], get, ok(1, "y")).ops,
    );
    // The later write's version says both lost ones were applied first.
    expectLinearizable(
      historyOf()
        .op("a", [0, 1], put("x"), ok(1))
        .op("a", [2], cas(1, "z"))
        .op("a", [5], del)
        .op("b", [10, 20], put("y"), ok(4))
        .op("b", [30, 40], get, ok(4, "y")).ops,
    );
  });

  it("leaves reads with unknown outcomes out", () => {
    const result = expectLinearizable(historyOf().op("a", [0, 1], put("x"), ok(1)).op("b", [2], get).ops);
    expect(result.unknownOutcomes).toBe(1);
    expect(result.partitions[0]!.operations).toBe(1);
  });

  it("a long random history of a sequential register, run with overlapping intervals", () => {
    const ops = randomHistory(mulberry32(7), 400, 3);
    const result = expectLinearizable(ops);
    expect(result.operations).toBe(400);
    expect(result.unknownOutcomes).toBeGreaterThan(0);
  });
});

describe("the checker rejects non-linearizable histories", () => {
  it("a stale read after a completed write, naming the key and the operations", () => {
    const violation = expectViolation(
      historyOf("cart")
        .op("writer", [0, 10], put("x"), ok(1))
        .op("reader", [20, 30], get, missing(0)).ops,
    );
    expect(violation.key).toBe("cart");
    expect(violation.blocked.id).toBe(1);
    expect(violation.linearized.map((op) => op.id)).toEqual([0]);
    expect(violation.state).toBe('"x" at v1');
    expect(violation.message).toContain('key "cart" is not linearizable');
    expect(violation.message).toContain("#1 reader get() → 404 v0 [20.0 ms, 30.0 ms]");
    expect(violation.message).toContain('#0 writer put("x") → 200 v1 [0.0 ms, 10.0 ms]');
  });

  it("two CAS from the same version that both succeed", () => {
    const twice = (second: number) =>
      historyOf()
        .op("a", [0, 1], put("x"), ok(1))
        .op("a", [10, 20], cas(1, "y"), ok(2))
        .op("b", [11, 19], cas(1, "z"), ok(second)).ops;
    expectViolation(twice(2));
    const violation = expectViolation(twice(3));
    expect(violation.linearized.map((op) => op.id)).toEqual([0, 1]);
    expect(violation.candidates.map((op) => op.id)).toEqual([2]);
  });

  it("a read of a value never written", () => {
    expectViolation(historyOf().op("a", [0, 10], put("x"), ok(1)).op("b", [5, 15], get, ok(1, "ghost")).ops);
  });

  it("reads going back in time while a write is in flight", () => {
    const violation = expectViolation(
      historyOf()
        .op("a", [0, 10], put("x"), ok(1))
        .op("a", [20, 100], put("y"), ok(2))
        .op("b", [30, 40], get, ok(2, "y"))
        .op("b", [50, 60], get, ok(1, "x")).ops,
    );
    expect(violation.blocked.id).toBe(3);
  });

  it("versions that skip, a wrong current version, a delete of a live key that answers 404", () => {
    expectViolation(historyOf().op("a", [0, 1], put("x"), ok(2)).ops);
    expectViolation(historyOf().op("a", [0, 1], put("x"), ok(1)).op("a", [2, 3], cas(0, "y"), failed(0)).ops);
    expectViolation(historyOf().op("a", [0, 1], put("x"), ok(1)).op("a", [2, 3], del, missing()).ops);
    expectViolation(historyOf().op("a", [0, 1], put("x"), ok(1)).op("a", [2, 3], del, ok(2)).op("a", [4, 5], get, missing(1)).ops);
  });

  it("a CAS that matches a tombstone", () => {
    expectViolation(
      historyOf()
        .op("a", [0, 1], put("x"), ok(1))
        .op("a", [2, 3], del, ok(2))
        .op("a", [4, 5], cas(2, "y"), ok(3)).ops,
    );
  });

  it("an effect seen before the write with an unknown outcome was invoked", () => {
    expectViolation(historyOf().op("b", [0, 10], get, ok(1, "x")).op("a", [20], put("x")).ops);
  });

  it("one bad key among good ones", () => {
    const { ops } = historyOf()
      .op("a", [0, 10], put("x"), ok(1), "good")
      .op("a", [0, 10], put("x"), ok(1), "bad")
      .op("b", [20, 30], get, ok(1, "x"), "good")
      .op("b", [20, 30], get, missing(0), "bad");
    const result = check(registerModel, ops);
    expect(result.verdict).toBe("violation");
    expect(result.violations.map((v) => v.key)).toEqual(["bad"]);
    expect(result.partitions.map((p) => [p.key, p.verdict])).toEqual([
      ["good", "linearizable"],
      ["bad", "violation"],
    ]);
  });

  it("a long random history with one read of a value never written", () => {
    const ops = randomHistory(mulberry32(11), 400, 3);
    const read = ops.filter((op) => op.input.op === "get" && op.output?.status === 200)[60]!;
    read.output = { status: 200, version: (read.output as { version: number }).version, value: "never written" };
    const violation = expectViolation(ops);
    expect(violation.key).toBe(read.key);
    expect(violation.blocked.id).toBe(read.id);
  });
});

describe("the checker's budget", () => {
  it("answers unknown, never a pass, when steps or time run out", () => {
    const ops = randomHistory(mulberry32(3), 300, 1);
    expect(check(registerModel, ops, { maxSteps: 50 }).verdict).toBe("unknown");
    expect(check(registerModel, ops, { timeoutMs: -1 }).verdict).toBe("unknown");
    expect(check(registerModel, ops).verdict).toBe("linearizable");
  });

  it("rejects a history whose answer precedes its invocation", () => {
    expect(() => check(registerModel, historyOf().op("a", [10, 5], get, missing(0)).ops)).toThrow(/before it was invoked/);
  });
});

describe("the history recorder", () => {
  it("records invocation and completion times, and unknown outcomes at infinity", () => {
    let now = 0;
    const history = new HistoryRecorder<RegisterInput, RegisterOutput>(() => now++);
    const a = history.invoke("a", "k", put("x"));
    const b = history.invoke("b", "k", get);
    const c = history.invoke("c", "k", get);
    history.invoke("d", "k", del);
    a.complete(ok(1));
    b.unknown("timeout");
    c.complete(ok(1, "x"));
    expect(() => a.complete(ok(1))).toThrow(/settled twice/);
    expect(history.operations()).toEqual([
      { id: 0, process: "a", key: "k", input: put("x"), call: 0, return: 4, output: ok(1) },
      { id: 1, process: "b", key: "k", input: get, call: 1, return: Infinity, output: undefined, unknownReason: "timeout" },
      { id: 2, process: "c", key: "k", input: get, call: 2, return: 5, output: ok(1, "x") },
      { id: 3, process: "d", key: "k", input: del, call: 3, return: Infinity, output: undefined, unknownReason: "never settled" },
    ]);
    expect(check(registerModel, history.operations()).verdict).toBe("linearizable");
  });
});

/** A small seeded PRNG, so random histories are the same on every run. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A linearizable history by construction: `count` operations on `keys` keys
 * run against a sequential register at increasing instants, each given an
 * interval around its instant so that up to ~8 overlap; about one write in
 * twenty loses its answer (and half of those never take effect).
 */
function randomHistory(random: () => number, count: number, keys: number): Op[] {
  const states = new Map<string, RegisterState>();
  const ops: Op[] = [];
  for (let id = 0; id < count; id++) {
    const key = `k${Math.floor(random() * keys)}`;
    const at = id * 10;
    const call = at - random() * 40;
    const ret = at + random() * 40;
    const state = states.get(key) ?? registerModel.init;
    const roll = random();
    const expected = state.version - Math.floor(random() * 2);
    const input: RegisterInput =
      roll < 0.35 ? get : roll < 0.6 ? put(`v${id}`) : roll < 0.85 ? cas(expected, `v${id}`) : roll < 0.93 ? del : delIf(expected);
    const output = answer(state, input);
    const lost = input.op !== "get" && random() < 0.05;
    if (!lost || random() < 0.5) states.set(key, registerModel.step(state, input, output)!);
    ops.push({ id, process: `p${id % 8}`, key, input, call, return: lost ? Infinity : ret, output: lost ? undefined : output });
  }
  return ops;
}

/** What the register answers to `input` in `state`. */
function answer(state: RegisterState, input: RegisterInput): RegisterOutput {
  const next = state.version + 1;
  switch (input.op) {
    case "get":
      return state.exists ? ok(state.version, state.value) : missing(state.version);
    case "put":
      return ok(next);
    case "cas":
      return state.exists && state.version === input.expected ? ok(next) : failed(state.version);
    case "delete":
      if (input.expected !== undefined) return state.exists && state.version === input.expected ? ok(next) : failed(state.version);
      return state.exists ? ok(next) : missing();
  }
}
