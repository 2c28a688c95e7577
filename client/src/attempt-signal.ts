/**
 * The abort signal of one attempt: it fires when the caller's own signal
 * does, or when the attempt has run longer than its timeout — and says which.
 */
export interface AttemptSignal {
  readonly signal: AbortSignal;
  /** True once the timeout (not the caller) has aborted the attempt. */
  readonly timedOut: boolean;
  /** Stops the timeout; the caller's signal can still abort (used once a streamed answer is handed over). */
  stopTimer(): void;
  /** Stops the timeout and lets go of the caller's signal. */
  dispose(): void;
  /** Settles as `work` does, or rejects as soon as the attempt is aborted, for a fetch that does not heed its signal. */
  race<T>(work: Promise<T>): Promise<T>;
}

/** The longest delay a timer keeps: past it, `setTimeout` fires at once (about 24.8 days). */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * Links an attempt to the caller's `signal` and to a timer of `timeoutMs`
 * (0 for none). Built by hand rather than with `AbortSignal.any`, so that it
 * runs on every runtime the client supports.
 *
 * @example
 * const attempt = attemptSignal(options.signal, 5_000);
 * try { await fetch(url, { signal: attempt.signal }); } finally { attempt.dispose(); }
 */
export function attemptSignal(caller: AbortSignal | undefined, timeoutMs: number): AttemptSignal {
  const controller = new AbortController();
  let timedOut = false;
  const onCallerAbort = () => controller.abort(caller?.reason);
  if (caller?.aborted) onCallerAbort();
  else caller?.addEventListener("abort", onCallerAbort, { once: true });
  const timer =
    timeoutMs > 0 && Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          timedOut = true;
          controller.abort(new Error(`no answer within ${timeoutMs} ms`));
        }, Math.min(timeoutMs, LONGEST_TIMER_MS))
      : undefined;
  const stopTimer = () => {
    if (timer !== undefined) clearTimeout(timer);
  };
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    stopTimer,
    dispose() {
      stopTimer();
      caller?.removeEventListener("abort", onCallerAbort);
    },
    race<T>(work: Promise<T>): Promise<T> {
      const signal = controller.signal;
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        if (signal.aborted) onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
        work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
      });
    },
  };
}

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it is aborted.
 *
 * @example await sleep(250, options.signal);
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.min(Math.max(0, ms), LONGEST_TIMER_MS));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
