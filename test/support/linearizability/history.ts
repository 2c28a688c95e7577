/**
 * A concurrent history: every operation a client invoked, with the time it
 * was invoked, the time its answer arrived and what the answer was.
 *
 * An operation whose answer never arrived (a timeout, a network error, a 5xx
 * for a write) has an *unknown outcome*: it may have taken effect at any
 * moment after its invocation, or never. It is recorded with no output and a
 * completion time of `Infinity`, so it overlaps everything invoked after it.
 */

/** One operation of a history. `I` is what was asked, `O` what was answered. */
export interface Operation<I, O> {
  /** Unique within its history, in invocation order. */
  id: number;
  /** The client that invoked it (for reports; linearizability needs only the times). */
  process: string;
  /** The partition it belongs to: operations on different keys never constrain each other. */
  key: string;
  input: I;
  /** When it was invoked. */
  call: number;
  /** When its answer arrived; `Infinity` when the outcome is unknown. */
  return: number;
  /** What was answered; `undefined` when the outcome is unknown. */
  output: O | undefined;
  /** Why the outcome is unknown: "timeout", "network error", "503" … */
  unknownReason?: string;
}

/** An invoked operation waiting for its outcome. Settle it exactly once. */
export interface PendingOperation<O> {
  /** The answer arrived: records it with the current time. */
  complete(output: O): void;
  /** The answer will never be known: the operation may or may not have taken effect. */
  unknown(reason: string): void;
}

/** True when the operation's outcome is unknown. */
export function isUnknown<I, O>(op: Operation<I, O>): boolean {
  return op.output === undefined;
}

/**
 * Records a history as concurrent clients run it. Times come from `clock`
 * (monotonic `performance.now()` by default): take the invocation time just
 * before sending, and the completion time once the whole answer is read.
 *
 * @example
 * const history = new HistoryRecorder<RegisterInput, RegisterOutput>();
 * const pending = history.invoke("client-1", "k", { op: "get" });
 * try {
 *   pending.complete(await get("k"));
 * } catch {
 *   pending.unknown("network error");
 * }
 * check(registerModel, history.operations());
 */
export class HistoryRecorder<I, O> {
  private readonly recorded: Operation<I, O>[] = [];

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** Records the invocation of `input` on `key` by `process`, now. */
  invoke(process: string, key: string, input: I): PendingOperation<O> {
    const op: Operation<I, O> = {
      id: this.recorded.length,
      process,
      key,
      input,
      call: this.clock(),
      return: Infinity,
      output: undefined,
      unknownReason: "never settled",
    };
    this.recorded.push(op);
    let settled = false;
    const settle = () => {
      if (settled) throw new Error(`operation ${op.id} settled twice`);
      settled = true;
    };
    return {
      complete: (output) => {
        settle();
        op.return = this.clock();
        op.output = output;
        delete op.unknownReason;
      },
      unknown: (reason) => {
        settle();
        op.unknownReason = reason;
      },
    };
  }

  /** Every operation recorded so far; one never settled counts as unknown. */
  operations(): Operation<I, O>[] {
    return this.recorded.map((op) => ({ ...op }));
  }
}
