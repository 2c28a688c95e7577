import { existsSync } from "node:fs";
import { tmpdir } from "node:os";

/**
 * Where the workers a benchmark or a measurement starts keep their storage
 * (Durable Objects, KV, the Cache API), each in a fresh directory removed
 * when it stops: `BENCH_STORAGE_DIR`, else RAM (`/dev/shm`) where the
 * machine has it, else the temporary directory. Locally every durable
 * commit fsyncs its SQLite WAL on the one thread that runs the worker and
 * all its objects, so on a disk every write measures the machine's disk (on
 * a 2-core VM, durable writes ran 3× slower there and read tails grew
 * behind the fsyncs) rather than the code; a deployment replicates its
 * commits instead of fsyncing them on the request's path.
 *
 * @example const dir = await mkdtemp(join(storageRoot(), "measure-"));
 */
export function storageRoot(): string {
  return process.env.BENCH_STORAGE_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
}
