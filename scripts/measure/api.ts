/**
 * The few geocache requests a measurement makes, timed on one monotonic
 * clock (`performance.now()`), with what the answer says about its source.
 */

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
}

/** Every request gives up after this long, so that a measurement always ends. */
const REQUEST_TIMEOUT_MS = 15_000;

/** A target deployment or local worker, addressed by its origin. */
export class GeocacheApi {
  constructor(readonly baseUrl: string) {}

  /** The configured regions (`GET /v1/regions`). */
  async regions(): Promise<string[]> {
    const answer = await fetch(`${this.baseUrl}/v1/regions`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (answer.status !== 200) throw new Error(`GET /v1/regions answered ${answer.status}`);
    return ((await answer.json()) as { regions: string[] }).regions;
  }

  /** PUTs `value` to `key` as a caller in `region` would; a network failure answers status 0. */
  async put(key: string, value: Uint8Array<ArrayBuffer>, region: string, session?: string): Promise<WriteAnswer> {
    const headers: Record<string, string> = { "X-Region": region, "Content-Type": "application/octet-stream" };
    if (session) headers["X-Session"] = session;
    const startedAt = performance.now();
    try {
      const answer = await fetch(this.keyUrl(key), {
        method: "PUT",
        body: value,
        headers,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = await answer.text();
      const endedAt = performance.now();
      const version = answer.status === 200 ? (JSON.parse(body) as { version: number }).version : null;
      return { startedAt, endedAt, status: answer.status, version, session: answer.headers.get("X-Session") };
    } catch {
      return { startedAt, endedAt: performance.now(), status: 0, version: null, session: null };
    }
  }

  /** GETs `key` in `region` in the requested mode; a network failure answers status 0. */
  async read(key: string, region: string, request: ReadRequest): Promise<ReadAnswer> {
    const headers: Record<string, string> = { "X-Region": region };
    if (request.mode === "strong" || request.mode === "eventual") headers["X-Consistency"] = request.mode;
    if (request.mode === "bounded") headers["X-Max-Staleness"] = String(request.maxStalenessMs ?? 1000);
    if (request.mode === "session") {
      headers["X-Consistency"] = "session";
      if (request.session) headers["X-Session"] = request.session;
    }
    const startedAt = performance.now();
    try {
      const answer = await fetch(this.keyUrl(key), { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
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

  private keyUrl(key: string): string {
    return `${this.baseUrl}/v1/keys/${encodeURIComponent(key)}`;
  }
}
