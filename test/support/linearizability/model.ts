/**
 * Sequential specifications for the linearizability checker, and the one
 * geocache's strong mode must meet: a versioned register per key.
 */

/**
 * A deterministic sequential specification. `step` applies one operation to
 * a state and says whether the observed output is possible there.
 *
 * @example
 * const counter: Model<number, "inc", number> = {
 *   init: 0,
 *   step: (n, _input, output) => (output === undefined || output === n + 1 ? n + 1 : undefined),
 *   key: (n) => String(n),
 *   describeState: (n) => String(n),
 *   describeOperation: (_input, output) => `inc → ${output ?? "?"}`,
 * };
 */
export interface Model<S, I, O> {
  /** The state of every partition before its first operation. */
  init: S;
  /**
   * The state after `input` is applied to `state`, or `undefined` when the
   * observed `output` cannot be what `input` answers in `state`. `output` is
   * `undefined` when the outcome is unknown: any answer is accepted then.
   */
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** A string that is equal for two states exactly when they are equal (memoization). */
  key(state: S): string;
  /** True for an operation that never changes the state: with an unknown outcome it constrains nothing. */
  readOnly?(input: I): boolean;
  describeState(state: S): string;
  describeOperation(input: I, output: O | undefined): string;
}

/** One key of geocache: a value and its version; a deleted key keeps its version (the tombstone). */
export interface RegisterState {
  exists: boolean;
  /** The value; "" when the key does not exist. */
  value: string;
  /** 0 before the first write; every put, successful CAS and delete adds 1. */
  version: number;
}

/**
 * What a client asks of a key:
 * - `put`: `PUT /v1/keys/{key}` with the value as the body;
 * - `get`: `GET` with `X-Consistency: strong`;
 * - `cas`: `PUT` with `If-Match: "<expected>"`;
 * - `delete`: `DELETE`, with `If-Match: "<expected>"` when `expected` is given.
 */
export type RegisterInput =
  | { op: "put"; value: string }
  | { op: "get" }
  | { op: "cas"; expected: number; value: string }
  | { op: "delete"; expected?: number };

/**
 * What the key answered:
 * - 200 to a put, a CAS and a delete, with the version it committed; to a get, with the value and version served;
 * - 404 to a get or a delete of a key that does not exist, with the tombstone's version when the answer carries one;
 * - 412 to a CAS or conditional delete whose expected version is not the key's, with the key's version.
 */
export type RegisterOutput =
  | { status: 200; version: number; value?: string }
  | { status: 404; version?: number }
  | { status: 412; currentVersion: number };

const ABSENT: RegisterState = { exists: false, value: "", version: 0 };

/** The state after a write that commits `value` (or a tombstone, for `null`). */
function written(state: RegisterState, value: string | null): RegisterState {
  return value === null
    ? { exists: false, value: "", version: state.version + 1 }
    : { exists: true, value, version: state.version + 1 };
}

/** `next` when a write answered `output` (or nothing) is consistent with committing `next`. */
function committed(next: RegisterState, output: RegisterOutput | undefined): RegisterState | undefined {
  if (output === undefined) return next;
  return output.status === 200 && output.version === next.version ? next : undefined;
}

/**
 * A write that applies only if the key exists at version `expected`: then it
 * commits `next`; otherwise it answers 412 with the key's version and changes nothing.
 */
function conditional(
  state: RegisterState,
  expected: number,
  next: RegisterState,
  output: RegisterOutput | undefined,
): RegisterState | undefined {
  if (state.exists && state.version === expected) return committed(next, output);
  if (output === undefined) return state;
  return output.status === 412 && output.currentVersion === state.version ? state : undefined;
}

/**
 * The versioned register:
 * - put commits version+1 and answers it;
 * - get answers 200 with the value and version when the key exists, else 404
 *   (with the tombstone's version, if the answer names one);
 * - cas succeeds, like a put, only when the key exists and its version is the
 *   expected one: an `If-Match` never matches a deleted or never-written key,
 *   even when its tombstone carries the expected version. Otherwise it answers
 *   412 with the key's version (the tombstone's, or 0) and changes nothing;
 * - delete of an existing key commits a tombstone at version+1; of a missing
 *   key it answers 404 and changes nothing. A conditional delete (`expected`)
 *   follows the rule of cas: 412 unless the key exists at that version, so a
 *   missing key answers 412, not 404.
 *
 * An operation with an unknown outcome is applied with whatever answer the
 * state gives; a get with an unknown outcome changes nothing, and the checker
 * leaves it out.
 *
 * @example
 * const s1 = registerModel.step(registerModel.init, { op: "put", value: "a" }, { status: 200, version: 1 });
 * // s1 = { exists: true, value: "a", version: 1 }
 * registerModel.step(s1!, { op: "cas", expected: 0, value: "b" }, { status: 200, version: 2 });
 * // undefined: version 0 is not the key's version, so this CAS cannot have succeeded here
 */
export const registerModel: Model<RegisterState, RegisterInput, RegisterOutput> = {
  init: ABSENT,

  step(state, input, output) {
    switch (input.op) {
      case "put":
        return committed(written(state, input.value), output);
      case "get":
        if (output === undefined) return state;
        if (state.exists) {
          return output.status === 200 && output.value === state.value && output.version === state.version ? state : undefined;
        }
        return output.status === 404 && (output.version === undefined || output.version === state.version) ? state : undefined;
      case "cas":
        return conditional(state, input.expected, written(state, input.value), output);
      case "delete":
        if (input.expected !== undefined) return conditional(state, input.expected, written(state, null), output);
        if (state.exists) return committed(written(state, null), output);
        if (output === undefined) return state;
        return output.status === 404 ? state : undefined;
    }
  },

  readOnly: (input) => input.op === "get",

  key: (state) => (state.exists ? `${state.version}=${state.value}` : `${state.version}-`),

  describeState: (state) => (state.exists ? `${JSON.stringify(state.value)} at v${state.version}` : `absent at v${state.version}`),

  describeOperation(input, output) {
    const call =
      input.op === "put"
        ? `put(${JSON.stringify(input.value)})`
        : input.op === "cas"
          ? `cas(v${input.expected}, ${JSON.stringify(input.value)})`
          : input.op === "delete" && input.expected !== undefined
            ? `delete(v${input.expected})`
            : `${input.op}()`;
    if (output === undefined) return `${call} → unknown`;
    if (output.status === 412) return `${call} → 412 current v${output.currentVersion}`;
    if (output.status === 404) return `${call} → 404${output.version === undefined ? "" : ` v${output.version}`}`;
    return `${call} → 200 ${output.value === undefined ? "" : `${JSON.stringify(output.value)} `}v${output.version}`;
  },
};
