/**
 * The few geocache requests a measurement makes, timed on one monotonic
 * clock (`performance.now()`), with what the answer says about its source.
 */
import { retryAfterMs } from "../../client/src/retry";

/** The read modes a measurement compares. */
export const READ_MODES = ["strong", "bounded", "session", "eventual"] as const;

export type ReadMode = (typeof READ_MODES)[number];

/** How one read asks for its mode: headers sent besides `X-Region`. */
export interface ReadRequest {
  mode: ReadMode;
  /** For `bounded`: `X-Max-Staleness` in ms. */
  maxStalenessMs?: number;
  /** For `session`: the token to send back as `X-Session`. */
  session?: string;
}

/** A request as timed by the client: when it began and how long until its answer was read. */
export interface Timed {
  /** `performance.now()` when the request was sent. */
  startedAt: number;
  /** `performance.now()` when the whole answer had arrived. */
  endedAt: number;
  status: number;
}

/** A read's answer: the version and where it came from (null when the answer lacks the header). */
export interface ReadAnswer extends Timed {
  version: number | null;
  servedBy: string | null;
  servedRegion: string | null;
  cache: string | null;
  consistency: string | null;
}

/** A write's answer: the version it was acknowledged with and the session token to send back. */
export interface WriteAnswer extends Timed {
  version: number | null;
  session: string | null;
  /** A refusal's `code: message` from its JSON error, or the start of a body that is not one (null for a success or an empty body). */
  error: string | null;
  /** How long a refusal asked to wait before trying again (`Retry-After`), ms; null if it did not say. */
  retryAfterMs: number | null;
}

/** What a write sends besides its value and region. */
export interface WriteRequest {
  /** Sent back as `X-Session`. */
  session?: string | undefined;
  /** Sent as `Idempotency-Key`, so that a write sent again is applied once. */
  idempotencyKey?: string | undefined;
}

/** A latency summary as `/v1/stats` gives it (ms, read off fixed histogram buckets). */
export interface StatsSummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** One region's figures in `GET /v1/stats`, as far as a measurement uses them. */
export interface ServiceRegionStats {
  replication: { lagMs: { window: StatsSummary; total: StatsSummary }; applied: number };
  reads: { total: number; byTier: Record<string, number>; byMode: Record<string, number> };
}

/** `GET /v1/stats`: per region, since the service's objects started (and over its recent window). */
export interface ServiceStats {
  now: number;
  windowMs: number;
  regions: Record<string, ServiceRegionStats>;
}

/** How a measurement reaches its target. */
export interface ApiOptions {
  /** Sent as `Authorization: Bearer <token>` with every request. */
  token?: string | undefined;
  /** Every request gives up after this long, so that a measurement always ends (default 15 s; 0 for no limit). */
  timeoutMs?: number | undefined;
}

/**
 * A target deployment or local worker, addressed by its origin.
 *
 * @example
 * const api = new GeocacheApi("http://127.0.0.1:8787", { token: process.env.GEOCACHE_TOKEN });
 * const regions = await api.regions();
 */
export class GeocacheApi {
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  /** The origin given, without a trailing `/` (`https://host/` would ask for `//v1/…`). */
  readonly baseUrl: string;

  constructor(baseUrl: string, options: ApiOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.headers = options.token ? { Authorization: `Bearer ${options.token}` } : {};
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** A request's signal: its time limit, or none when `timeoutMs` is 0 (as everywhere in the client and CLI). */
  private attemptSignal(): AbortSignal | undefined {
    return this.timeoutMs > 0 ? AbortSignal.timeout(this.timeoutMs) : undefined;
  }

  /** The configured regions (`GET /v1/regions`). */
  async regions(): Promise<string[]> {
    const answer = await this.get("/v1/regions");
    if (answer.status !== 200) throw new Error(`GET /v1/regions answered ${answer.status}`);
    return ((await answer.json()) as { regions: string[] }).regions;
  }

  /**
   * The service's own figures (`GET /v1/stats`, which needs the admin
   * scope), or why they could not be had: a deployment may not let this
   * token see them.
   */
  async stats(): Promise<{ stats: ServiceStats } | { unavailable: string }> {
    try {
      const answer = await this.get("/v1/stats");
      if (answer.status !== 200) {
        await answer.arrayBuffer();
        return { unavailable: `GET /v1/stats answered ${answer.status}` };
      }
      return { stats: (await answer.json()) as ServiceStats };
    } catch (error) {
      return { unavailable: `GET /v1/stats failed: ${error instanceof Error ? error.message : error}` };
    }
  }

  /** PUTs `value` to `key` as a caller in `region` would; a network failure answers status 0. */
  async put(key: string, value: Uint8Array<ArrayBuffer>, region: string, request: WriteRequest = {}): Promise<WriteAnswer> {
    const headers: Record<string, string> = { ...this.headers, "X-Region": region, "Content-Type": "application/octet-stream" };
    if (request.session) headers["X-Session"] = request.session;
    if (request.idempotencyKey) headers["Idempotency-Key"] = request.idempotencyKey;
    const startedAt = performance.now();
    try {
      const answer = await fetch(this.keyUrl(key), {
        method: "PUT",
        body: value,
        headers,
        signal: this.attemptSignal(),
      });
      const body = await answer.text();
      const endedAt = performance.now();
      const version = answer.status === 200 ? versionOf(body) : null;
      return {
        startedAt,
        endedAt,
        status: answer.status,
        version,
        session: answer.headers.get("X-Session"),
        error: answer.status === 200 && version !== null ? null : errorOf(body),
        retryAfterMs: retryAfterMs(answer.headers.get("Retry-After")),
      };
    } catch {
      return { startedAt, endedAt: performance.now(), status: 0, version: null, session: null, error: null, retryAfterMs: null };
    }
  }

  /** GETs `key` in `region` in the requested mode; a network failure answers status 0. */
  async read(key: string, region: string, request: ReadRequest): Promise<ReadAnswer> {
    const headers: Record<string, string> = { ...this.headers, "X-Region": region };
    if (request.mode === "strong" || request.mode === "eventual") headers["X-Consistency"] = request.mode;
    if (request.mode === "bounded") headers["X-Max-Staleness"] = String(request.maxStalenessMs ?? 1000);
    if (request.mode === "session") {
      headers["X-Consistency"] = "session";
      if (request.session) headers["X-Session"] = request.session;
    }
    const startedAt = performance.now();
    try {
      const answer = await fetch(this.keyUrl(key), { headers, signal: this.attemptSignal() });
      await answer.arrayBuffer();
      const endedAt = performance.now();
      const version = answer.headers.get("X-Version");
      return {
        startedAt,
        endedAt,
        status: answer.status,
        version: version === null ? null : Number(version),
        servedBy: answer.headers.get("X-Served-By"),
        servedRegion: answer.headers.get("X-Region"),
        cache: answer.headers.get("X-Cache"),
        consistency: answer.headers.get("X-Consistency"),
      };
    } catch {
      const endedAt = performance.now();
      return { startedAt, endedAt, status: 0, version: null, servedBy: null, servedRegion: null, cache: null, consistency: null };
    }
  }

  private get(path: string): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, { headers: this.headers, signal: this.attemptSignal() });
  }

  private keyUrl(key: string): string {
    return `${this.baseUrl}/v1/keys/${encodeURIComponent(key)}`;
  }
}

/** A body parsed as a JSON object, or null when it is not one. */
function jsonObject(body: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The version a write's answer names, or null when the answer is not the API's. */
function versionOf(body: string): number | null {
  const version = jsonObject(body)?.version;
  return typeof version === "number" ? version : null;
}

/** `code: message` of a JSON error answer; else the body's first line, cut at 100 characters (a proxy's page); null for none. */
function errorOf(body: string): string | null {
  const error = jsonObject(body)?.error as { code?: unknown; message?: unknown } | undefined;
  if (typeof error?.code === "string") return `${error.code}: ${String(error.message)}`;
  const line = body.trim().split("\n", 1)[0]!.slice(0, 100);
  return line === "" ? null : line;
}
