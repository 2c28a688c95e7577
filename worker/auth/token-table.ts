import { isScope, SCOPES, type Scope } from "./scope";

/** Who a request acts as: the scope and namespace (tenant) of its token. */
export interface Principal {
  scope: Scope;
  /** The tenant whose keys the request reads and writes. */
  namespace: string;
  /** A stable, non-secret name for the token (for rate limits and logs): a prefix of its SHA-256, or "anonymous". */
  id: string;
  anonymous: boolean;
}

/** A namespace is a short name: letters, digits, `.`, `_` and `-`. */
const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Tokens shorter than this are refused as configuration: they could be guessed. */
export const MIN_TOKEN_LENGTH = 16;
const MAX_TOKEN_LENGTH = 512;

/** A token as configured: `{"token", "scope", "namespace"}`. */
interface ConfiguredToken {
  digest: ArrayBuffer;
  principal: Principal;
}

/** Thrown when `GEOCACHE_TOKENS` cannot be used; the message names the entry, never a token. */
export class TokenConfigError extends Error {
  override name = "TokenConfigError";
}

const encoder = new TextEncoder();

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(text));
}

function hex(bytes: ArrayBuffer, length: number): string {
  return [...new Uint8Array(bytes, 0, length / 2)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function parseEntry(entry: unknown, index: number): { token: string; scope: Scope; namespace: string } {
  const where = `GEOCACHE_TOKENS entry ${index}`;
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new TokenConfigError(`${where} must be an object`);
  const { token, scope, namespace } = entry as Record<string, unknown>;
  if (typeof token !== "string" || token.length < MIN_TOKEN_LENGTH || token.length > MAX_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
    throw new TokenConfigError(`${where}: "token" must be ${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} printable ASCII characters`);
  }
  if (!isScope(scope)) throw new TokenConfigError(`${where}: "scope" must be one of ${SCOPES.join(", ")}`);
  if (typeof namespace !== "string" || !NAMESPACE.test(namespace)) {
    throw new TokenConfigError(`${where}: "namespace" must be 1 to 64 letters, digits, ".", "_" or "-"`);
  }
  return { token, scope, namespace };
}

/**
 * The tokens a deployment accepts, held as SHA-256 digests. A presented token
 * is hashed and compared with every configured digest in constant time, so
 * neither the comparison nor the number of comparisons depends on how much
 * of a token an attacker has guessed.
 *
 * @example
 * const table = await TokenTable.parse('[{"token":"…","scope":"write","namespace":"acme"}]');
 * const principal = await table.find(presented); // null when unknown
 */
export class TokenTable {
  private constructor(private readonly tokens: readonly ConfiguredToken[]) {}

  /** Parses the `GEOCACHE_TOKENS` secret: a JSON array of `{token, scope, namespace}`; empty or absent means none. */
  static async parse(raw: string | undefined): Promise<TokenTable> {
    if (raw === undefined || raw.trim() === "") return new TokenTable([]);
    let entries: unknown;
    try {
      entries = JSON.parse(raw);
    } catch {
      throw new TokenConfigError("GEOCACHE_TOKENS is not JSON: it must be an array of {token, scope, namespace}");
    }
    if (!Array.isArray(entries)) throw new TokenConfigError("GEOCACHE_TOKENS must be a JSON array of {token, scope, namespace}");
    const parsed = entries.map(parseEntry);
    if (new Set(parsed.map((entry) => entry.token)).size !== parsed.length) {
      throw new TokenConfigError("GEOCACHE_TOKENS names the same token twice");
    }
    const tokens = await Promise.all(
      parsed.map(async ({ token, scope, namespace }) => {
        const digest = await sha256(token);
        return { digest, principal: { scope, namespace, id: `token:${hex(digest, 16)}`, anonymous: false } };
      }),
    );
    return new TokenTable(tokens);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The principal of a presented token, or null; every configured token is compared, whatever matches. */
  async find(presented: string): Promise<Principal | null> {
    const digest = await sha256(presented);
    let found: Principal | null = null;
    for (const token of this.tokens) {
      if (crypto.subtle.timingSafeEqual(digest, token.digest)) found = token.principal;
    }
    return found;
  }
}

const tables = new WeakMap<object, TokenTable>();

/**
 * The token table of `env`, kept once parsed. The table is kept, not the
 * promise of it: requests that arrive while it is being parsed parse their
 * own, since a request awaiting another's promise fails when that request
 * is cancelled first.
 */
export async function tokenTableFor(env: { GEOCACHE_TOKENS?: string }): Promise<TokenTable> {
  const known = tables.get(env);
  if (known) return known;
  const table = await TokenTable.parse(env.GEOCACHE_TOKENS);
  tables.set(env, table);
  return table;
}
