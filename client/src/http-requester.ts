import { attemptSignal, sleep, type AttemptSignal } from "./attempt-signal";
import { errorFromResponse } from "./error-from-response";
import { AbortedError, GeoCacheError, NetworkError, TimeoutError } from "./errors";
import type { Requester, RequesterRequest } from "./requester";
import { RETRYABLE_STATUSES, retryAfterMs, retryPolicy, type RetryOption, type RetryPolicy } from "./retry";
import { mergeSessionTokens } from "./session-token";

/**
 * A `fetch` function: the runtime's own, or one that stands in for it (a service binding, a test's).
 *
 * @example new GeoCache({ url: "https://geocache.internal", fetch: (input, init) => env.GEOCACHE.fetch(input, init) });
 */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/**
 * How an {@link HttpRequester} reaches the service.
 *
 * @example new GeoCache({ url: "https://cache.example.com", token, timeoutMs: 2_000, retry: { retries: 2 }, region: "weur" });
 */
export interface HttpRequesterOptions {
  /** The service's base URL, e.g. `https://cache.example.com`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** The fetch to send requests with; the global `fetch` by default. */
  fetch?: FetchFunction;
  /** Retries on network errors, 429, 502, 503 and 504; see {@link RetryOption}. */
  retry?: RetryOption;
  /** How long one attempt may take, in ms, answer body included; 0 for no limit. Default 10 000. */
  timeoutMs?: number;
  /** A session token to continue, or `false` to keep none. */
  session?: string | false;
  /** Sent as `X-Region` on every request: the region to be served from. */
  region?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The HTTP transport: sends each request with the client's headers, keeps
 * the session token, times out each attempt, and retries what is safe to
 * retry with full-jitter backoff (honouring `Retry-After`).
 *
 * @example
 * const requester = new HttpRequester({ url: "http://127.0.0.1:8787", retry: { retries: 5 } });
 * const response = await requester.request({ method: "GET", path: "/v1/health", idempotent: true });
 */
export class HttpRequester implements Requester {
  private readonly baseUrl: string;
  private readonly fetchFn: FetchFunction;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly defaultHeaders: Record<string, string> = {};
  private keepsSession: boolean;
  private token: string | undefined;

  constructor(options: HttpRequesterOptions) {
    this.baseUrl = new URL(options.url).href.replace(/\/+$/, "");
    // Called on its own, never as this object's method: a runtime's fetch (window.fetch, a Worker's) refuses another `this`.
    const given = options.fetch;
    this.fetchFn = given ? (input, init) => given(input, init) : (input, init) => fetch(input, init);
    this.policy = retryPolicy(options.retry);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (options.token) this.defaultHeaders["Authorization"] = `Bearer ${options.token}`;
    if (options.region) this.defaultHeaders["X-Region"] = options.region;
    // A token or region the runtime cannot send is a TypeError here, as a request's own headers are in `request`.
    void new Headers(this.defaultHeaders);
    this.keepsSession = options.session !== false;
    if (typeof options.session === "string") this.session = options.session;
  }

  /** The session token last received, sent back as `X-Session`; setting it continues that session. */
  get session(): string | undefined {
    return this.token;
  }

  set session(token: string | undefined) {
    // A token is base64url; anything else could not even be sent as a header, and would fail every request after.
    if (token !== undefined && token !== "" && !/^[A-Za-z0-9_-]+$/.test(token)) {
      throw new TypeError("a session token is base64url text, as the service's X-Session answers carry it");
    }
    this.token = token === "" ? undefined : token;
    if (token !== undefined) this.keepsSession = true;
  }

  /**
   * Sends one request, retrying it while that is safe: reads and `mget`
   * freely, writes only with their `Idempotency-Key` and a body that can be
   * sent again.
   *
   * @example const response = await requester.request({ method: "GET", path: "/v1/regions", idempotent: true });
   */
  async request(request: RequesterRequest): Promise<Response> {
    // A header value the runtime refuses (a line break, a character past Latin-1) is the caller's mistake: a TypeError now, not a network error retried.
    void new Headers({ ...request.headers, ...(request.idempotencyKey === undefined ? {} : { "Idempotency-Key": request.idempotencyKey }) });
    const replayable = !(typeof ReadableStream !== "undefined" && request.body instanceof ReadableStream);
    const retries = request.idempotent || (request.idempotencyKey !== undefined && replayable) ? this.policy.retries : 0;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.send(request);
      } catch (error) {
        if (attempt >= retries || error instanceof AbortedError) throw error;
        await this.pause(this.policy.backoff(attempt), request.signal);
        continue;
      }
      if (response.status < 400) return response;
      if (attempt < retries && RETRYABLE_STATUSES.has(response.status)) {
        await response.body?.cancel();
        const wait = retryAfterMs(response.headers.get("Retry-After")) ?? this.policy.backoff(attempt);
        await this.pause(wait, request.signal);
        continue;
      }
      throw await errorFromResponse(response);
    }
  }

  /** One attempt: the answer, its body read unless it is to be streamed, or a typed error. */
  private async send(request: RequesterRequest): Promise<Response> {
    const attempt = attemptSignal(request.signal, this.timeoutMs > 0 ? this.timeoutMs + (request.extraTimeoutMs ?? 0) : 0);
    let handedOver = false;
    try {
      const response = await attempt.race(this.fetchFn(`${this.baseUrl}${request.path}`, this.init(request, attempt.signal)));
      this.keepSession(response);
      if (request.stream && response.ok) {
        attempt.stopTimer();
        handedOver = true;
        // The caller's signal can still abort the body; once the body ends, errs or is cancelled, it is let go.
        const { status, statusText, headers } = response;
        return new Response(response.body && releasingWhenDone(response.body, () => attempt.dispose()), { status, statusText, headers });
      }
      const bytes = await attempt.race(response.arrayBuffer());
      const { status, statusText, headers } = response;
      return new Response(bytes.byteLength > 0 ? bytes : null, { status, statusText, headers });
    } catch (error) {
      throw this.failure(error, attempt, request.signal);
    } finally {
      if (!handedOver) attempt.dispose();
    }
  }

  private init(request: RequesterRequest, signal: AbortSignal): RequestInit {
    const headers: Record<string, string> = { ...this.defaultHeaders, ...request.headers };
    if (this.keepsSession && this.token !== undefined) headers["X-Session"] = this.token;
    if (request.idempotencyKey !== undefined) headers["Idempotency-Key"] = request.idempotencyKey;
    const init: RequestInit & { duplex?: "half" } = { method: request.method, headers, signal };
    if (request.body !== undefined) {
      init.body = request.body as BodyInit;
      if (typeof ReadableStream !== "undefined" && request.body instanceof ReadableStream) init.duplex = "half";
    }
    return init;
  }

  /** Keeps the answer's session token, merged with the one held so that concurrent answers lose nothing. */
  private keepSession(response: Response): void {
    const token = response.headers.get("X-Session");
    if (this.keepsSession && token !== null && token !== "") this.token = mergeSessionTokens(this.token, token);
  }

  private failure(error: unknown, attempt: AttemptSignal, caller: AbortSignal | undefined): GeoCacheError {
    if (caller?.aborted) return new AbortedError("the request was aborted", { cause: caller.reason });
    if (attempt.timedOut) return new TimeoutError(`no answer within ${this.timeoutMs} ms`, { cause: error });
    if (error instanceof GeoCacheError) return error;
    const detail = error instanceof Error ? `: ${error.message}` : "";
    return new NetworkError(`could not reach ${this.baseUrl}${detail}`, { cause: error });
  }

  /** Waits before a retry; the caller's abort ends the wait with an {@link AbortedError}. */
  private async pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch (reason) {
      throw new AbortedError("the request was aborted", { cause: reason });
    }
  }
}

/** `body` as it comes, calling `release` once it has ended, failed or been cancelled. */
function releasingWhenDone(body: ReadableStream<Uint8Array>, release: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
}
