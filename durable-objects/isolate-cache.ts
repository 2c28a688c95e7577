import type { ConfirmedRecord } from "./record";

/** A copy as held: its record, and when it was stored (ms since epoch). */
export interface HeldCopy {
  record: ConfirmedRecord;
  storedAt: number;
}

/**
 * What an entry is counted at beyond its value's bytes. Its record and map
 * slot take a few hundred bytes of V8 heap, but workerd's process grew by
 * 5–8 KiB per copy held whatever the value's size (bench/replica-memory.ts:
 * +60 MiB for 12,000 copies of 100 B counted at 256 B each), so a copy is
 * counted at 4 KiB more than its value, which keeps a budget near what it costs.
 */
const ENTRY_OVERHEAD_BYTES = 4096;

/** What a copy of `valueBytes` under `id` is counted at. */
function costOf(id: string, valueBytes: number): number {
  return valueBytes + id.length * 2 + ENTRY_OVERHEAD_BYTES;
}

/**
 * Copies held in the isolate's own memory: at the edge, the nearest tier
 * of all (a hot key is answered without leaving the isolate); in a
 * replica, its hot copies, read without SQLite. Bounded in bytes, least
 * recently used first out; one value may take at most a sixteenth of the
 * budget, so a few large values cannot flush every hot small one. Each
 * copy keeps when it was stored, beside its record's `confirmedAt`, so the
 * edge tier serves it under the same rules as its Cache API copies.
 *
 * @example
 * const memory = new IsolateCache(8 * 1024 * 1024);
 * memory.set("weur/default/k", record);
 * memory.get("weur/default/k"); // { record, storedAt }, now the most recently used
 */
export class IsolateCache {
  private readonly entries = new Map<string, HeldCopy & { bytes: number }>();
  private usedBytes = 0;

  constructor(readonly maxBytes: number) {}

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** Bytes held now, overheads included. */
  get size(): number {
    return this.usedBytes;
  }

  /** Whether a copy is held, without counting as a use. */
  peek(id: string): boolean {
    return this.entries.has(id);
  }

  get(id: string): HeldCopy | null {
    const entry = this.entries.get(id);
    if (!entry) return null;
    // Re-inserting moves the entry to the end of the map's order: the most recently used.
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry;
  }

  /** Whether {@link set} would keep a copy of `valueBytes` under `id`: it would not for a value over a sixteenth of the budget. */
  wouldKeep(id: string, valueBytes: number): boolean {
    return this.enabled && costOf(id, valueBytes) <= this.maxBytes / 16;
  }

  /** Keeps a copy unless it is older than the one held (a slower fill must not replace a newer copy). */
  set(id: string, record: ConfirmedRecord, storedAt = Date.now()): void {
    const held = this.entries.get(id);
    if (held && held.record.version > record.version) return;
    this.delete(id);
    const valueBytes = record.value?.byteLength ?? 0;
    if (!this.wouldKeep(id, valueBytes)) return;
    const bytes = costOf(id, valueBytes);
    this.entries.set(id, { record, storedAt, bytes });
    this.usedBytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.usedBytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.usedBytes -= entry.bytes;
    }
  }

  delete(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.usedBytes -= entry.bytes;
  }
}
