interface Waiter {
  minVersion: number;
  resolve: (reached: boolean) => void;
}

/**
 * Reads waiting for replication to bring a key to a version. `reached` wakes
 * those whose version has arrived; the rest give up at their deadline.
 */
export class VersionWaiters {
  private readonly byId = new Map<string, Set<Waiter>>();

  /** Resolves true once `id` reaches `minVersion`, or false after `timeoutMs`. */
  wait(id: string, minVersion: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiters = this.byId.get(id) ?? new Set<Waiter>();
      this.byId.set(id, waiters);
      const waiter: Waiter = {
        minVersion,
        resolve: (reached) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          if (waiters.size === 0 && this.byId.get(id) === waiters) this.byId.delete(id);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
      waiters.add(waiter);
    });
  }

  /** `id` now holds `version`: wake every read waiting for it or an older one. */
  reached(id: string, version: number): void {
    for (const waiter of [...(this.byId.get(id) ?? [])]) {
      if (waiter.minVersion <= version) waiter.resolve(true);
    }
  }
}
