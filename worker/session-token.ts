import { fnv1a32 } from "../durable-objects/topology";
import { fromBase64Url, toBase64Url } from "./base64";

/** Keys a session remembers; the least recently used is dropped beyond this. */
export const SESSION_CAPACITY = 96;
/** The longest token accepted, in characters of base64url. */
export const MAX_SESSION_TOKEN_LENGTH = 2_048;

const FORMAT = 1;

/**
 * A read-your-writes session: for its most recent keys, the newest version
 * this session has written or read. A read that carries it is served only a
 * copy at least that new, in any region, by any process that holds the
 * token.
 *
 * The token is compact and opaque: a format byte, then per key a 32-bit hash
 * of the key's entry id and its version as a LEB128 varint, most recent
 * first, in base64url (about 8 characters per key; at most ~1 KiB). Two keys
 * whose hashes collide share the higher version, which can only make a read
 * stricter, never staler. The token is not signed: forging one can only ask
 * for newer versions, as `X-Min-Version` can.
 *
 * @example
 * const session = SessionToken.parse(request.headers.get("X-Session"));
 * session.observe("default/cart", 7);
 * response.headers.set("X-Session", session.toString());
 */
export class SessionToken {
  /** Hash → version, in order of use: the last entry is the most recent. */
  private readonly versions = new Map<number, number>();
  /** The token as parsed or last written, until an observation changes it: a session read again unchanged is not encoded anew. */
  private text: string | null = null;

  /** Parses a token; null or empty starts a new session. Throws `RangeError` on a malformed one. */
  static parse(text: string | null | undefined): SessionToken {
    const session = new SessionToken();
    if (!text) return session;
    if (text.length > MAX_SESSION_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) {
      throw new RangeError("the session token is not base64url of at most 2048 characters");
    }
    let bytes: Uint8Array;
    try {
      bytes = fromBase64Url(text);
    } catch {
      throw new RangeError("the session token is not base64url");
    }
    if (bytes[0] !== FORMAT) throw new RangeError("the session token has an unknown format");
    const entries: [number, number][] = [];
    let offset = 1;
    while (offset < bytes.length) {
      if (offset + 4 > bytes.length) throw new RangeError("the session token is truncated");
      const hash = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0);
      const [version, next] = readVarint(bytes, offset + 4);
      entries.push([hash, version]);
      offset = next;
    }
    // Stored most recent first; the map keeps most recent last.
    for (const [hash, version] of entries.reverse()) session.versions.set(hash, version);
    session.text = text;
    return session;
  }

  /** The version this session has seen of an entry, or 0. */
  minVersion(id: string): number {
    return this.versions.get(fnv1a32(id)) ?? 0;
  }

  /**
   * Records that this session wrote or read `version` of an entry. Version 0
   * (a key never written) constrains nothing, so it takes no place: reads of
   * absent keys must not push the session's writes out.
   */
  observe(id: string, version: number): void {
    if (version <= 0) return;
    const hash = fnv1a32(id);
    const held = this.versions.get(hash);
    if (held !== undefined && held >= version && this.mostRecent() === hash) return;
    this.versions.delete(hash);
    this.versions.set(hash, Math.max(version, held ?? 0));
    while (this.versions.size > SESSION_CAPACITY) this.versions.delete(this.versions.keys().next().value!);
    this.text = null;
  }

  private mostRecent(): number | undefined {
    let last: number | undefined;
    // A session holds a few dozen keys at most; the map keeps no pointer to its last entry.
    for (const hash of this.versions.keys()) last = hash;
    return last;
  }

  get size(): number {
    return this.versions.size;
  }

  toString(): string {
    if (this.text !== null) return this.text;
    const entries = [...this.versions];
    const bytes = new Uint8Array(1 + entries.length * (4 + MAX_VARINT_BYTES));
    bytes[0] = FORMAT;
    let end = 1;
    for (let i = entries.length - 1; i >= 0; i--) {
      const [hash, version] = entries[i]!;
      bytes[end] = hash >>> 24;
      bytes[end + 1] = hash >>> 16;
      bytes[end + 2] = hash >>> 8;
      bytes[end + 3] = hash;
      end = writeVarint(bytes, end + 4, version);
    }
    this.text = toBase64Url(bytes.subarray(0, end));
    return this.text;
  }
}

/** A version below 2^53 takes at most 8 bytes of 7 bits. */
const MAX_VARINT_BYTES = 8;

/** Writes `value` as a LEB128 varint at `offset`; answers where the next byte goes. */
function writeVarint(out: Uint8Array, offset: number, value: number): number {
  let rest = value;
  let at = offset;
  while (rest >= 0x80) {
    out[at++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[at++] = rest;
  return at;
}

function readVarint(bytes: Uint8Array, start: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let offset = start; offset < bytes.length && offset < start + 8; offset++) {
    const byte = bytes[offset]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, offset + 1];
    scale *= 0x80;
  }
  throw new RangeError("the session token has a malformed version");
}
