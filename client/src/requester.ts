/**
 * The transport under the client: one small interface, so that a test, a
 * proxy or a platform binding can stand in for HTTP (as in @upstash/redis).
 */

/**
 * A request body: bytes the client has built, or a stream it passes through.
 *
 * @example await requester.request({ method: "PUT", path: "/v1/keys/k", body: new Uint8Array([1, 2]) });
 */
export type RequestBody = string | Uint8Array | Blob | ReadableStream<Uint8Array>;

/**
 * One API request, as the client's operations describe it.
 *
 * @example await requester.request({ method: "GET", path: "/v1/health", idempotent: true });
 */
export interface RequesterRequest {
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  /** The path under the service's URL, already encoded, e.g. `/v1/keys/a%2Fb`. */
  path: string;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** True when sending the request twice does no harm (reads, `mget`): it is retried freely. */
  idempotent?: boolean;
  /** A write's `Idempotency-Key`: sent on every attempt, so the service applies a retried write once. A write with none is never retried. */
  idempotencyKey?: string;
  /** Hand back the answer's body unread, as a stream; otherwise it is read within the attempt's timeout. */
  stream?: boolean;
  /** Time this request may take beyond the client's per-attempt timeout, in ms (a read that waits on the service). */
  extraTimeoutMs?: number;
  /** Aborts the request, and any retries it would have had. */
  signal?: AbortSignal;
}

/**
 * Sends API requests. It answers with the `Response` of a status below 400,
 * and throws a `GeoCacheError` for everything else.
 *
 * @example
 * const logging: Requester = {
 *   async request(request) {
 *     console.log(request.method, request.path);
 *     return http.request(request);
 *   },
 * };
 * const cache = new GeoCache({ url, requester: logging });
 */
export interface Requester {
  request(request: RequesterRequest): Promise<Response>;
  /** The session token this transport keeps and sends, when it keeps one. */
  session?: string | undefined;
}
