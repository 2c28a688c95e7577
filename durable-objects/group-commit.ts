/**
 * Gathers the work of concurrent calls into one synchronous flush, so that
 * their storage writes share one commit. A call joins the batch that is
 * waiting and is answered, with its own items' results, when that batch is
 * flushed; the batch waits one turn of the event loop (`wait`), in which
 * the calls already queued for the object arrive. An object commits its
 * writes before any answer leaves it, so every call is still answered only
 * once its writes are durable; a flush that throws fails its whole batch.
 *
 * @example
 * const batch = new GroupCommit((records: Rec[]) => records.map((r) => store.apply(r)));
 * const held = await batch.add([record]); // one result per item given
 */
export class GroupCommit<Item, Result> {
  private queue: { items: readonly Item[]; resolve: (results: Result[]) => void; reject: (error: unknown) => void }[] = [];

  constructor(
    private readonly flush: (items: Item[]) => Result[],
    private readonly wait: () => Promise<unknown> = () => new Promise((resolve) => setTimeout(resolve, 0)),
  ) {}

  add(items: readonly Item[]): Promise<Result[]> {
    return new Promise((resolve, reject) => {
      if (this.queue.push({ items, resolve, reject }) === 1) void this.wait().then(() => this.run());
    });
  }

  private run(): void {
    const batch = this.queue;
    this.queue = [];
    let results: Result[];
    try {
      results = this.flush(batch.flatMap((call) => call.items));
    } catch (error) {
      for (const call of batch) call.reject(error);
      return;
    }
    let from = 0;
    for (const call of batch) {
      call.resolve(results.slice(from, from + call.items.length));
      from += call.items.length;
    }
  }
}
