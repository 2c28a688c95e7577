/**
 * Merging session tokens, so that concurrent requests do not lose each
 * other's writes from the session.
 *
 * Two requests sent at once carry the same token, and each answer adds only
 * its own key to it; keeping just the answer that arrived last would forget
 * the other's write. The service's token (format 1) is base64url of a format
 * byte and then, most recent first, per key a 32-bit hash and a LEB128
 * version; the merge keeps every key with the higher version. A token in
 * any other format is taken as it comes.
 */

const FORMAT = 1;
/** The most keys a merged token keeps, as the service does: the least recent are dropped. */
const CAPACITY = 96;

type Entries = Map<number, number>;

/** A token's entries, key hash → version, most recent first; null for a token this client cannot read. */
export function decodeSessionToken(token: string): Entries | null {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return null;
  let bytes: Uint8Array;
  try {
    const padded = token.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (token.length % 4)) % 4);
    bytes = Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
  if (bytes[0] !== FORMAT) return null;
  const entries: Entries = new Map();
  let offset = 1;
  while (offset < bytes.length) {
    if (offset + 4 > bytes.length) return null;
    const hash = ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
    let version = 0;
    let scale = 1;
    let next = offset + 4;
    for (;;) {
      const byte = bytes[next++];
      if (byte === undefined || next > offset + 12) return null;
      version += (byte & 0x7f) * scale;
      scale *= 0x80;
      if ((byte & 0x80) === 0) break;
    }
    if (!entries.has(hash)) entries.set(hash, version);
    offset = next;
  }
  return entries;
}

function encode(entries: Entries): string {
  const bytes: number[] = [FORMAT];
  for (const [hash, version] of entries) {
    bytes.push(hash >>> 24, (hash >>> 16) & 0xff, (hash >>> 8) & 0xff, hash & 0xff);
    let rest = version;
    while (rest >= 0x80) {
      bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    bytes.push(rest);
  }
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * The token to keep after an answer carrying `received`, when the client
 * held `held`: every key of both at its higher version, most recent first —
 * the keys the answer added or raised, then the held token's in its order
 * (which holds the answers that came in while this request was on its way,
 * and which the answer, sent with an older token, knows nothing of) — cut to
 * the service's capacity. Falls back to `received` when either is not a
 * token this client can read.
 *
 * @example mergeSessionTokens(tokenAfterWritingA, tokenAfterWritingB) // a token covering both writes
 */
export function mergeSessionTokens(held: string | undefined, received: string): string {
  if (held === undefined || held === received) return received;
  const older = decodeSessionToken(held);
  const newer = decodeSessionToken(received);
  if (older === null || newer === null) return received;
  const merged: Entries = new Map();
  for (const [hash, version] of newer) if (version > (older.get(hash) ?? 0)) merged.set(hash, version);
  for (const [hash, version] of older) if (!merged.has(hash)) merged.set(hash, Math.max(version, newer.get(hash) ?? 0));
  const kept = [...merged].slice(0, CAPACITY);
  const asReceived = [...newer];
  const unchanged = kept.length === asReceived.length && kept.every(([hash, version], i) => asReceived[i]![0] === hash && asReceived[i]![1] === version);
  return unchanged ? received : encode(new Map(kept));
}
