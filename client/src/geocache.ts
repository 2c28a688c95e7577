import { GeoCacheError, NotFoundError, PreconditionFailedError } from "./errors";
import { HttpRequester, type HttpRequesterOptions } from "./http-requester";
import { newIdempotencyKey } from "./idempotency-key";
import { getOptionsFor, LEFT_OUT, mgetBatches, mgetBody, mgetResults, READ_ALONE, type MgetAnswer } from "./mget";
import { numberHeader, readHeaders, readResult } from "./read-headers";
import type { Requester, RequesterRequest } from "./requester";
import type {
  DeleteOptions,
  GetOptions,
  GetResult,
  HeadResult,
  Health,
  IncrOptions,
  IncrResult,
  MgetOptions,
  Regions,
  SetOptions,
  SetResult,
} from "./types";
import { decodeBytes, encodeValue, type StorableValue } from "./values";

/**
 * How to reach the service: its URL and transport options, or a {@link Requester} of your own.
 *
 * @example new GeoCache({ url: "https://cache.example.com", token: "…" }); new GeoCache({ requester: myRequester });
 */
export type GeoCacheOptions = HttpRequesterOptions | { requester: Requester };

/**
 * The environment `fromEnv` reads: `GEOCACHE_URL` and, optionally, `GEOCACHE_TOKEN`.
 *
 * @example GeoCache.fromEnv({ GEOCACHE_URL: "https://cache.example.com", GEOCACHE_TOKEN: "…" });
 */
export type GeoCacheEnv = Record<string, unknown>;

/** What every method takes besides its own options. */
interface CallOptions {
  region?: string;
  signal?: AbortSignal;
  maxWaitMs?: number;
}

/** A key's URL path: one percent-encoded segment. */
function keyPath(key: string, suffix = ""): string {
  if (typeof key !== "string" || key === "") throw new TypeError("a key is a non-empty string");
  // URLs drop these as path segments, encoded or not: the request would name another path.
  if (key === "." || key === "..") throw new TypeError(`"${key}" is not a key: a URL path cannot carry it`);
  return `/v1/keys/${encodeURIComponent(key)}${suffix}`;
}

function processEnv(): GeoCacheEnv {
  const runtime = globalThis as { process?: { env?: GeoCacheEnv } };
  return runtime.process?.env ?? {};
}

/**
 * A client of a geocache service. Every method is one HTTP request (mget
 * one per 100 keys), retried when that is safe. It keeps the service's
 * session token, so by default a client reads its own writes.
 *
 * @example
 * const cache = new GeoCache({ url: "https://cache.example.com", token: "…" });
 * await cache.set("user:1", { name: "Ada" }, { ttlMs: 60_000 });
 * const hit = await cache.get<{ name: string }>("user:1"); // { value: { name: "Ada" }, version: 1, servedBy: "replica", … }
 */
export class GeoCache {
  /** The transport every request goes through. */
  readonly requester: Requester;

  constructor(options: GeoCacheOptions) {
    this.requester = "requester" in options ? options.requester : new HttpRequester(options);
  }

  /**
   * A client configured from `GEOCACHE_URL` and `GEOCACHE_TOKEN`: those of
   * `env` (a Worker's env), else of `process.env` where there is one.
   *
   * @example
   * export default { fetch: (request, env) => GeoCache.fromEnv(env).get("k") };
   */
  static fromEnv(env: GeoCacheEnv = processEnv(), options: Omit<HttpRequesterOptions, "url" | "token"> = {}): GeoCache {
    const url = env["GEOCACHE_URL"];
    if (typeof url !== "string" || url === "") {
      throw new GeoCacheError("GEOCACHE_URL is not set: the service's URL, e.g. https://cache.example.com", { code: "configuration" });
    }
    const token = env["GEOCACHE_TOKEN"];
    return new GeoCache({ ...options, url, ...(typeof token === "string" && token !== "" ? { token } : {}) });
  }

  /**
   * The session token (`X-Session`): hand it to another client, or keep it in a
   * cookie, and that client continues this one's session (it reads these writes).
   *
   * @example other.session = cache.session;
   */
  get session(): string | undefined {
    return this.requester.session;
  }

  set session(token: string | undefined) {
    this.requester.session = token;
  }

  /**
   * Reads a key: its value and where it came from, or null when it does not exist.
   *
   * @example
   * const hit = await cache.get("greeting", { consistency: "strong", type: "text" });
   * if (hit) console.log(hit.value, hit.version, hit.servedBy, hit.stalenessMs);
   */
  get(key: string, options: GetOptions & { type: "text" }): Promise<GetResult<string> | null>;
  get(key: string, options: GetOptions & { type: "bytes" }): Promise<GetResult<Uint8Array> | null>;
  get(key: string, options: GetOptions & { type: "stream" }): Promise<GetResult<ReadableStream<Uint8Array>> | null>;
  get<T = unknown>(key: string, options?: GetOptions): Promise<GetResult<T> | null>;
  async get(key: string, options: GetOptions = {}): Promise<GetResult | null> {
    const streamed = options.type === "stream";
    const response = await this.readKey("GET", key, options, streamed);
    if (response === null) return null;
    const contentType = response.headers.get("Content-Type") ?? "application/octet-stream";
    const value = streamed
      ? (response.body ?? new Response(new Uint8Array(0)).body)
      : decodeBytes(new Uint8Array(await response.arrayBuffer()), contentType, options.type);
    return readResult(response.headers, value);
  }

  /**
   * What `get` would say of a key, without its value (a `HEAD` request: the
   * value's bytes never travel): its size in bytes and where the answer came
   * from, or null when the key does not exist (the size is null if the
   * answer does not give it).
   *
   * @example
   * const meta = await cache.head("avatar:42", { consistency: "strong" });
   * if (meta) console.log(meta.size, meta.version, meta.contentType);
   */
  async head(key: string, options: Omit<GetOptions, "type"> = {}): Promise<HeadResult | null> {
    const response = await this.readKey("HEAD", key, options, false);
    if (response === null) return null;
    const { value: _, ...found } = readResult(response.headers, null);
    return { ...found, size: numberHeader(response.headers, "Content-Length") };
  }

  /** Reads a key with `GET` or `HEAD`: the answer, or null for the key's own 404. */
  private async readKey(method: "GET" | "HEAD", key: string, options: Omit<GetOptions, "type">, stream: boolean): Promise<Response | null> {
    try {
      return await this.send({ method, path: keyPath(key), headers: readHeaders(options), idempotent: true, stream }, options);
    } catch (error) {
      if (error instanceof NotFoundError && error.keyMissing) return null;
      throw error;
    }
  }

  /**
   * Writes a key. Strings are stored as text, bytes and streams as
   * `application/octet-stream`, anything else as JSON.
   *
   * @example
   * const { version } = await cache.set("config", { theme: "dark" }, { ttlMs: 3_600_000 });
   * await cache.set("config", { theme: "light" }, { ifMatch: version }); // compare-and-set
   */
  async set(key: string, value: StorableValue, options: SetOptions = {}): Promise<SetResult> {
    const { body, contentType } = encodeValue(value, options.contentType);
    const headers: Record<string, string> = { "Content-Type": contentType };
    if (options.ttlMs !== undefined) headers["X-TTL-Ms"] = String(options.ttlMs);
    if (options.ifMatch !== undefined) headers["If-Match"] = `"${options.ifMatch}"`;
    if (options.ifNoneMatch !== undefined) headers["If-None-Match"] = options.ifNoneMatch;
    const response = await this.write({ method: "PUT", path: keyPath(key), headers, body }, options);
    const answer = (await answerJson(response)) as { version: number; expiresAt?: number };
    return { version: answer.version, expiresAt: answer.expiresAt ?? null };
  }

  /**
   * Deletes a key: true if it existed, false if not. With `ifMatch`, only at
   * that version (`PreconditionFailedError` with the version found), and a
   * missing key is a `NotFoundError` rather than false, whose `cause` carries
   * its version (0 when never written, else that of its deletion).
   *
   * @example if (await cache.delete("session:42")) console.log("logged out");
   */
  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    const headers: Record<string, string> = {};
    if (options.ifMatch !== undefined) headers["If-Match"] = `"${options.ifMatch}"`;
    try {
      const response = await this.write({ method: "DELETE", path: keyPath(key), headers }, options);
      await response.body?.cancel();
      return true;
    } catch (error) {
      if (error instanceof NotFoundError && error.keyMissing && options.ifMatch === undefined) return false;
      // The service refuses a conditional delete of a missing key as a failed condition; to the caller the key is not there.
      if (error instanceof PreconditionFailedError && !error.exists) {
        throw new NotFoundError(error.message, { keyMissing: true, cause: error });
      }
      throw error;
    }
  }

  /**
   * Adds `by` (default 1) to an integer value, creating it at 0 first; a
   * retried increment counts once.
   *
   * @example const { value } = await cache.incr("page:/home:views");
   */
  async incr(key: string, by = 1, options: IncrOptions = {}): Promise<IncrResult> {
    if (!Number.isSafeInteger(by)) throw new TypeError(`incr adds an integer, not ${by}`);
    const response = await this.write(
      { method: "POST", path: keyPath(key, "/incr"), headers: { "Content-Type": "application/json" }, body: JSON.stringify({ by }) },
      options,
    );
    const answer = (await answerJson(response)) as { value: number; version: number };
    return { value: answer.value, version: answer.version };
  }

  /**
   * Reads many keys at once: a result per key, in order, null where a key
   * does not exist. More than 100 keys are sent as several requests. Keys
   * whose values did not fit in their answer (past the service's 16 MiB of
   * values) are asked for again in a follow-up request, as the batch asked;
   * a key whose read failed for a while (its entry 429, 502, 503 or 504) is
   * read on its own, retried as a `get` is.
   *
   * @example const [a, b] = await cache.mget(["a", "b"], { consistency: "strong" });
   */
  async mget<T = unknown>(keys: readonly string[], options: MgetOptions = {}): Promise<(GetResult<T> | null)[]> {
    const batches = await Promise.all(mgetBatches(keys).map((batch) => this.mgetBatch(batch, options)));
    return batches.flat() as (GetResult<T> | null)[];
  }

  /** One batch of an `mget`: its results, with the keys left out of a full answer asked for again until none are, and those that failed for a while read alone. */
  private async mgetBatch(batch: readonly string[], options: MgetOptions): Promise<(GetResult | null)[]> {
    const body = JSON.stringify(mgetBody(batch, options));
    const response = await this.send(
      { method: "POST", path: "/v1/mget", headers: { "Content-Type": "application/json" }, body, idempotent: true },
      options,
    );
    // Any other key's error throws here, before anything is asked for again.
    const results = mgetResults(batch, (await answerJson(response)) as MgetAnswer, options);
    const leftOut = batch.filter((_, i) => results[i] === LEFT_OUT);
    const alone = batch.filter((_, i) => results[i] === READ_ALONE);
    if (leftOut.length === 0 && alone.length === 0) return results as (GetResult | null)[];
    const readAlone = (key: string) => this.get(key, getOptionsFor(key, options));
    // Each answer carries at least the first value to arrive, so every round leaves fewer out.
    const [again, single] = await Promise.all([
      leftOut.length === 0 ? [] : leftOut.length < batch.length ? this.mgetBatch(leftOut, options) : Promise.all(leftOut.map(readAlone)),
      Promise.all(alone.map(readAlone)),
    ]);
    const byKey = new Map([...leftOut.map((key, i) => [key, again[i]!] as const), ...alone.map((key, i) => [key, single[i]!] as const)]);
    return batch.map((key, i) => (byKey.has(key) ? byKey.get(key)! : (results[i] as GetResult | null)));
  }

  /**
   * Asks the service whether it is up, and which region answers.
   *
   * @example const { status, region } = await cache.health(); // "ok", "weur"
   */
  async health(options: { signal?: AbortSignal } = {}): Promise<Health> {
    return (await answerJson(await this.send({ method: "GET", path: "/v1/health", idempotent: true }, options))) as Health;
  }

  /**
   * The regions that hold replicas, and the one nearest this client.
   *
   * @example const { regions, nearest } = await cache.regions();
   */
  async regions(options: { signal?: AbortSignal } = {}): Promise<Regions> {
    return (await answerJson(await this.send({ method: "GET", path: "/v1/regions", idempotent: true }, options))) as Regions;
  }

  /** Sends a request with the per-call options every method takes: region, signal, and time to wait on the service. */
  private send(request: RequesterRequest, options: CallOptions): Promise<Response> {
    const headers = { ...request.headers, ...(options.region !== undefined ? { "X-Region": options.region } : {}) };
    return this.requester.request({
      ...request,
      headers,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.maxWaitMs !== undefined ? { extraTimeoutMs: options.maxWaitMs } : {}),
    });
  }

  /** Sends a write with its idempotency key: the caller's, or a fresh one kept across this write's retries. */
  private write(request: RequesterRequest, options: CallOptions & { idempotencyKey?: string }): Promise<Response> {
    return this.send({ ...request, idempotencyKey: options.idempotencyKey ?? newIdempotencyKey() }, options);
  }
}

/** The JSON of an answer that succeeded; one that is not JSON (a proxy's page, say) is a {@link GeoCacheError}, not a bare `SyntaxError`. */
async function answerJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    const type = response.headers.get("Content-Type") ?? "none";
    throw new GeoCacheError(`the service answered ${response.status} with a body that is not JSON (Content-Type ${type})`, {
      status: response.status,
      code: "invalid_answer",
      cause: error,
    });
  }
}
