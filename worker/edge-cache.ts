import type { ConfirmedRecord, KeyRef } from "../durable-objects/record";
import { entryId, type Region } from "../durable-objects/topology";
import type { IsolateCache } from "../durable-objects/isolate-cache";

/**
 * The header a data center's copy carries its record's figures in, one
 * header (one lookup on a hit) of `;`-separated numbers: version,
 * committedAt, confirmedAt, expiresAt (empty for none) and when the copy was
 * stored. A copy without it, or with figures that do not parse, is a miss.
 */
const COPY_HEADER = "X-Geocache-Copy";

/** Keys whose last written version an isolate remembers ({@link EdgeCache.purge}): a few dozen bytes each. */
const MAX_WRITTEN_IDS = 4096;

/** A value as the edge serves it: bytes, or the Cache API's stream of them, not yet read. */
export type EdgeValue = ArrayBuffer | ReadableStream<Uint8Array>;

type CopyFigures = Pick<ConfirmedRecord, "version" | "committedAt" | "confirmedAt" | "expiresAt"> & { storedAt: number };

function figuresOf(header: string | null): CopyFigures | null {
  const parts = header?.split(";");
  if (parts?.length !== 5) return null;
  const [version, committedAt, confirmedAt, storedAt] = [parts[0], parts[1], parts[2], parts[4]].map(Number) as [number, number, number, number];
  const expiresAt = parts[3] === "" ? null : Number(parts[3]);
  if (![version, committedAt, confirmedAt, storedAt, expiresAt ?? 0].every(Number.isFinite)) return null;
  return { version, committedAt, confirmedAt, expiresAt, storedAt };
}

/** A miss on a copy the Cache API answered with: its body is cancelled, not left to the collector. */
async function unread(response: Response): Promise<null> {
  await response.body?.cancel();
  return null;
}

/**
 * The data center's own copies, the tier nearest a reader: the isolate's
 * memory first (hot keys answer without leaving it), then the Cache API.
 * A copy is served for `maxAgeMs` after it was fetched from the region, so
 * the data center sees a write at most that much later than its region
 * does; within that, it is served under the rules of every other tier
 * (expiry, the read's staleness bound and minimum version, all checked
 * against its version, expiry and `confirmedAt`). A key nobody writes
 * stays served here, refetched every `maxAgeMs`, while its `confirmedAt`
 * (the primary's last word on it) keeps the staleness it reports honest.
 *
 * Copies are keyed by region as well as key: in a deployment a data center
 * serves one region anyway, and locally, where `X-Region` stands in for
 * callers around the world, regions must not share copies.
 */
export class EdgeCache {
  /**
   * Per copy id, the newest version a write at this data center was
   * answered with (through {@link purge}): a fill that was on its way
   * during that write carries an older one, which must not come back.
   * Bounded; the oldest id is dropped first.
   */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly cache: Cache,
    /** The loosest staleness an eventual read is served from here with; 0 turns the tier off. */
    readonly maxAgeMs: number,
    private readonly memory: IsolateCache,
  ) {}

  get enabled(): boolean {
    return this.maxAgeMs > 0;
  }

  /**
   * The nearest copy held for a key in a region, fetched from the region
   * within `maxAgeMs`, that `accept` allows (the read's staleness bound and
   * minimum version), or null: the isolate's copy, else the data center's,
   * which another isolate may have refreshed. When the isolate's copy is
   * within its age but cannot serve the read (too tight a bound, too low a
   * version), the data center's is not asked either: it is seldom newer,
   * and the region's replica, asked next, is where a newer copy is.
   *
   * With `as: "stream"`, a data center's copy the isolate would not keep
   * (its memory tier is off, or the value is too large for it) comes as the
   * Cache API's own stream, which the answer passes on unread; otherwise
   * its bytes are read.
   *
   * @example
   * const copy = await edge.match("weur", ref, (copy) => copy.version >= 3, "stream");
   */
  match(region: Region, ref: KeyRef, accept: (copy: ConfirmedRecord<unknown>) => boolean, as?: "bytes"): Promise<ConfirmedRecord | null>;
  match(region: Region, ref: KeyRef, accept: (copy: ConfirmedRecord<unknown>) => boolean, as: "bytes" | "stream"): Promise<ConfirmedRecord<EdgeValue> | null>;
  async match(
    region: Region,
    ref: KeyRef,
    accept: (copy: ConfirmedRecord<unknown>) => boolean,
    as: "bytes" | "stream" = "bytes",
  ): Promise<ConfirmedRecord<EdgeValue> | null> {
    const id = this.idOf(region, ref);
    const now = Date.now();
    const remembered = this.memory.enabled ? this.memory.get(id) : null;
    if (remembered && now - remembered.storedAt < this.maxAgeMs) return accept(remembered.record) ? remembered.record : null;
    const response = await this.cache.match(this.urlFor(id));
    if (!response) return null;
    const figures = figuresOf(response.headers.get(COPY_HEADER));
    if (figures === null || !(now - figures.storedAt < this.maxAgeMs)) return unread(response);
    const candidate: ConfirmedRecord<EdgeValue> = {
      namespace: ref.namespace,
      key: ref.key,
      version: figures.version,
      value: response.body ?? new ArrayBuffer(0),
      contentType: response.headers.get("Content-Type") ?? "application/octet-stream",
      committedAt: figures.committedAt,
      expiresAt: figures.expiresAt,
      confirmedAt: figures.confirmedAt,
    };
    if (!accept(candidate)) return unread(response);
    // A copy whose size the Cache API does not say is read, and kept only if it fits.
    const kept = this.memory.enabled && this.memory.wouldKeep(id, Number(response.headers.get("Content-Length") ?? 0));
    if (as === "stream" && !kept) return candidate;
    candidate.value = await response.arrayBuffer();
    const copy = candidate as ConfirmedRecord;
    if (kept) this.memory.set(id, copy, figures.storedAt);
    return copy;
  }

  /**
   * Keeps a copy of a live value just fetched from the region; tombstones
   * are not kept (a miss costs the same). The data center's copy is
   * rewritten only for a new version, or once the isolate's copy of the same
   * version is half its age: a revalidated copy (the same version, vouched
   * for anew) costs a Cache API write at most that often per isolate.
   * A copy older than one this isolate holds, or than a version written at
   * this data center since it purged the key, is kept nowhere: a read that
   * was on its way while a newer version was stored or written finishes
   * later, and its copy must not replace what came after it.
   */
  async store(region: Region, record: ConfirmedRecord): Promise<void> {
    if (record.value === null) return;
    const id = this.idOf(region, record);
    const storedAt = Date.now();
    const held = this.memory.enabled ? this.memory.get(id) : null;
    if (record.version < Math.max(held?.record.version ?? 0, this.written.get(id) ?? 0)) return;
    const recentlyWritten = held !== null && held.record.version === record.version && storedAt - held.storedAt < this.maxAgeMs / 2;
    if (this.memory.enabled) this.memory.set(id, record, recentlyWritten ? held.storedAt : storedAt);
    if (recentlyWritten) return;
    const headers = new Headers({
      "Content-Type": record.contentType,
      "Cache-Control": `max-age=${Math.max(1, Math.ceil(this.maxAgeMs / 1000))}`,
      [COPY_HEADER]: `${record.version};${record.committedAt};${record.confirmedAt};${record.expiresAt ?? ""};${storedAt}`,
    });
    await this.cache.put(this.urlFor(id), new Response(record.value, { headers }));
  }

  /**
   * Drops the copy of a key in a region, which a write at this data center
   * answered with `version`: the write must not be followed by an older
   * value here, neither the copy held nor one a read on its way brings back.
   * Never rejects: the write is durable by now, and an error would invite a
   * client to send it again (an `incr` would count twice). If the Cache API
   * fails, the data center's copy is served until its `maxAgeMs` runs out,
   * as it would be in another data center; sessions still read the write.
   */
  async purge(region: Region, ref: KeyRef, version: number): Promise<void> {
    const id = this.idOf(region, ref);
    this.memory.delete(id);
    // Writes answered out of order (a replayed one, say) never lower what is known to be written.
    const newest = Math.max(version, this.written.get(id) ?? 0);
    this.written.delete(id);
    this.written.set(id, newest);
    if (this.written.size > MAX_WRITTEN_IDS) this.written.delete(this.written.keys().next().value!);
    await this.cache.delete(this.urlFor(id)).catch((error: unknown) => console.error(`edge purge of ${id} failed: ${String(error)}`));
  }

  private idOf(region: Region, ref: KeyRef): string {
    return `${region}/${entryId(ref.namespace, ref.key)}`;
  }

  /** The URL a copy is kept under; the Cache API takes a URL as it takes a GET request for it. */
  private urlFor(id: string): string {
    return `https://edge.geocache.internal/${id}`;
  }
}
