/**
 * A linearizability checker: the Wing & Gong search with Lowe's improvements
 * (G. Lowe, "Testing for linearizability", 2017).
 *
 * A history is linearizable when every operation can be given one instant
 * between its invocation and its answer such that, taken in the order of
 * those instants, the operations are a run of the sequential model that
 * answers what was observed. The search walks the history's invocations and
 * answers in time order: it tries to place ("linearize") each pending
 * operation next, and backtracks when it reaches the answer of one it could
 * not place. Lowe's improvements make it practical:
 *
 * - memoization: a (set of linearized operations, model state) pair reached
 *   once is never explored again;
 * - P-compositionality: the keys are independent, so each key's operations
 *   are checked on their own, and the history is linearizable exactly when
 *   every key's is.
 *
 * The search is exponential in the worst case, so it runs under a budget of
 * time and steps. When the budget runs out the verdict is "unknown": never a
 * pass it has not proved.
 */
import { Bitset } from "./bitset";
import type { Operation } from "./history";
import type { Model } from "./model";

export interface CheckOptions {
  /** Give up (verdict "unknown") after this long, in ms, over all keys. Default 10 000. */
  timeoutMs?: number;
  /** Give up after this many search steps over all keys. Default 10 000 000. */
  maxSteps?: number;
}

export type Verdict = "linearizable" | "violation" | "unknown";

/** Why one key's history is not linearizable, as far as the search got. */
export interface Violation<I, O> {
  key: string;
  /** The longest sequence of operations the search could linearize, in order. */
  linearized: Operation<I, O>[];
  /** The model state after `linearized`, described. */
  state: string;
  /** The operation whose answer arrived while no order could place it. */
  blocked: Operation<I, O>;
  /** The operations that could have come next at that point; none of them could. */
  candidates: Operation<I, O>[];
  /** All of the above, for people. */
  message: string;
}

/** The verdict on one key. */
export interface PartitionResult<I, O> {
  key: string;
  verdict: Verdict;
  /** Operations searched: the key's operations less reads with unknown outcomes. */
  operations: number;
  unknownOutcomes: number;
  steps: number;
  violation?: Violation<I, O>;
}

/** The verdict on a whole history. */
export interface CheckResult<I, O> {
  /** "violation" if any key has one; else "unknown" if the budget ran out on any key; else "linearizable". */
  verdict: Verdict;
  /** Operations in the history, unknown outcomes included. */
  operations: number;
  keys: number;
  unknownOutcomes: number;
  steps: number;
  elapsedMs: number;
  partitions: PartitionResult<I, O>[];
  violations: Violation<I, O>[];
}

/** One invocation or answer in a partition's time-ordered list of events. */
interface Event {
  /** The operation's index in its partition. */
  op: number;
  time: number;
  /** For an invocation, the answer that goes with it. */
  match: Event | null;
  prev: Event | null;
  next: Event | null;
}

interface Budget {
  deadline: number;
  stepsLeft: number;
}

/**
 * Checks `history` against `model`, key by key.
 *
 * @example
 * const history: Operation<RegisterInput, RegisterOutput>[] = [
 *   { id: 0, process: "a", key: "k", input: { op: "put", value: "x" }, call: 0, return: 10, output: { status: 200, version: 1 } },
 *   { id: 1, process: "b", key: "k", input: { op: "get" }, call: 20, return: 30, output: { status: 404, version: 0 } },
 * ];
 * const result = check(registerModel, history);
 * result.verdict; // "violation": the read began after the write was acknowledged and missed it
 * console.log(result.violations[0]!.message);
 */
export function check<S, I, O>(model: Model<S, I, O>, history: readonly Operation<I, O>[], options: CheckOptions = {}): CheckResult<I, O> {
  const started = performance.now();
  const budget: Budget = { deadline: started + (options.timeoutMs ?? 10_000), stepsLeft: options.maxSteps ?? 10_000_000 };

  const byKey = new Map<string, Operation<I, O>[]>();
  for (const op of history) {
    if (!(op.return >= op.call)) throw new Error(`operation ${op.id} answered (${op.return}) before it was invoked (${op.call})`);
    // A read whose answer was lost constrains nothing: leave it out of the search.
    if (op.output === undefined && model.readOnly?.(op.input)) continue;
    let ops = byKey.get(op.key);
    if (!ops) byKey.set(op.key, (ops = []));
    ops.push(op);
  }

  const partitions = [...byKey].map(([key, ops]) => checkPartition(model, key, ops, budget));
  const violations = partitions.flatMap((p) => (p.violation ? [p.violation] : []));
  const verdict: Verdict = violations.length > 0 ? "violation" : partitions.some((p) => p.verdict === "unknown") ? "unknown" : "linearizable";
  return {
    verdict,
    operations: history.length,
    keys: partitions.length,
    unknownOutcomes: history.filter((op) => op.output === undefined).length,
    steps: sum(partitions.map((p) => p.steps)),
    elapsedMs: performance.now() - started,
    partitions,
    violations,
  };
}

/** The Wing & Gong search with memoization over the operations of one key. */
function checkPartition<S, I, O>(model: Model<S, I, O>, key: string, ops: readonly Operation<I, O>[], budget: Budget): PartitionResult<I, O> {
  const result: PartitionResult<I, O> = {
    key,
    verdict: "unknown",
    operations: ops.length,
    unknownOutcomes: ops.filter((op) => op.output === undefined).length,
    steps: 0,
  };
  const head = eventList(ops);
  const linearized = new Bitset(ops.length);
  const seen = new Set<string>();
  const stack: { call: Event; state: S }[] = [];
  let deepest: Omit<Violation<I, O>, "message"> | null = null;
  let state = model.init;
  let event = head.next;

  while (event !== null) {
    if (--budget.stepsLeft < 0 || ((result.steps & 1023) === 0 && performance.now() > budget.deadline)) return result;
    result.steps++;

    if (event.match !== null) {
      // An invocation: try to linearize the operation here.
      const op = ops[event.op]!;
      const next = model.step(state, op.input, op.output);
      if (next !== undefined) {
        linearized.add(event.op);
        const memo = `${linearized.key()}|${model.key(next)}`;
        if (!seen.has(memo)) {
          seen.add(memo);
          stack.push({ call: event, state });
          state = next;
          lift(event);
          event = head.next;
          continue;
        }
        linearized.delete(event.op);
      }
      event = event.next;
    } else {
      // An answer: its operation was not linearized before it, so undo the last choice.
      if (deepest === null || stack.length > deepest.linearized.length) {
        deepest = {
          key,
          linearized: stack.map((frame) => ops[frame.call.op]!),
          state: model.describeState(state),
          blocked: ops[event.op]!,
          candidates: pendingBefore(head, event).map((i) => ops[i]!),
        };
      }
      const frame = stack.pop();
      if (frame === undefined) {
        result.verdict = "violation";
        result.violation = { ...deepest, message: describeViolation(model, deepest) };
        return result;
      }
      state = frame.state;
      linearized.delete(frame.call.op);
      unlift(frame.call);
      event = frame.call.next;
    }
  }
  result.verdict = "linearizable";
  return result;
}

/**
 * The invocations and answers of `ops` in time order, as a doubly linked
 * list behind a sentinel head. At equal times invocations come first, so
 * operations that touch are taken as concurrent (never a false violation).
 * Unknown outcomes answer at `Infinity`, after everything else.
 */
function eventList<I, O>(ops: readonly Operation<I, O>[]): Event {
  const events: { event: Event; isCall: boolean }[] = [];
  ops.forEach((op, i) => {
    const answer: Event = { op: i, time: op.return, match: null, prev: null, next: null };
    const call: Event = { op: i, time: op.call, match: answer, prev: null, next: null };
    events.push({ event: call, isCall: true }, { event: answer, isCall: false });
  });
  events.sort((a, b) => a.event.time - b.event.time || Number(b.isCall) - Number(a.isCall) || a.event.op - b.event.op);
  const head: Event = { op: -1, time: -Infinity, match: null, prev: null, next: null };
  let last = head;
  for (const { event } of events) {
    last.next = event;
    event.prev = last;
    last = event;
  }
  return head;
}

/** Takes an invocation and its answer out of the list. */
function lift(call: Event): void {
  for (const event of [call, call.match!]) {
    event.prev!.next = event.next;
    if (event.next) event.next.prev = event.prev;
  }
}

/** Puts back what `lift(call)` took out (their neighbours are as they were then). */
function unlift(call: Event): void {
  for (const event of [call.match!, call]) {
    event.prev!.next = event;
    if (event.next) event.next.prev = event;
  }
}

/** The operations invoked, and not yet linearized, before `answer` in the list. */
function pendingBefore(head: Event, answer: Event): number[] {
  const pending: number[] = [];
  for (let event = head.next; event !== null && event !== answer; event = event.next) {
    if (event.match !== null) pending.push(event.op);
  }
  return pending;
}

function describeViolation<S, I, O>(model: Model<S, I, O>, v: Omit<Violation<I, O>, "message">): string {
  const line = (op: Operation<I, O>) =>
    `  #${op.id} ${op.process} ${model.describeOperation(op.input, op.output)} [${time(op.call)}, ${time(op.return)}]` +
    (op.unknownReason ? ` (${op.unknownReason})` : "");
  const shown = v.linearized.slice(-10);
  return [
    `key ${JSON.stringify(v.key)} is not linearizable: no order explains #${v.blocked.id} ${v.blocked.process} ` +
      `${model.describeOperation(v.blocked.input, v.blocked.output)}.`,
    `The longest linearizable prefix has ${v.linearized.length} operations` +
      (shown.length < v.linearized.length ? ` (the last ${shown.length} shown)` : "") +
      (shown.length > 0 ? ":" : "."),
    ...shown.map(line),
    `and leaves the key ${v.state}. None of these can come next:`,
    ...v.candidates.map(line),
  ].join("\n");
}

function time(t: number): string {
  return Number.isFinite(t) ? `${t.toFixed(1)} ms` : "∞";
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
