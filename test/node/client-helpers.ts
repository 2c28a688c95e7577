import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { inject } from "vitest";
import { CLIENT_DIST } from "../../client/build/build-client";
import { GeoCache, type HttpRequesterOptions } from "../../client/src/index";

/** A key no other test uses. */
export function uniqueKey(label: string): string {
  return `client-${label}-${crypto.randomUUID()}`;
}

/** The origin of the worker under test. */
export function workerUrl(): string {
  return inject("baseUrl");
}

/** A client of the worker under test; retries back off for at most a few ms, so failing tests fail fast. */
export function clientFor(options: Partial<HttpRequesterOptions> = {}): GeoCache {
  return new GeoCache({ url: workerUrl(), retry: { retries: 3, backoff: () => 5 }, ...options });
}

/** A request as a test server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * What a test server does with one request:
 * - `forward`: pass it to the worker (after `delayMs`), and answer with the
 *   worker's answer, or, with `loseAnswer`, close the connection instead so
 *   the write is applied but its answer never arrives;
 * - `drop`: close the connection without answering or forwarding;
 * - `answer`: a canned answer (after `delayMs`).
 */
export type ServerAction =
  | { forward: true; delayMs?: number; loseAnswer?: boolean }
  | { drop: true }
  | { answer: { status: number; headers?: Record<string, string>; body?: string }; delayMs?: number };

export interface TestServer {
  url: string;
  /** Every request received, in order. */
  seen: SeenRequest[];
  close(): Promise<void>;
}

const FORWARD: ServerAction = { forward: true };
const openServers = new Set<TestServer>();

/** Closes every test server still open: `afterEach(closeTestServers)`. */
export async function closeTestServers(): Promise<void> {
  await Promise.all([...openServers].map((server) => server.close()));
}

/** Waits `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"]);

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

async function forward(seen: SeenRequest, response: ServerResponse, loseAnswer: boolean): Promise<void> {
  const headers = Object.fromEntries(Object.entries(seen.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
  const hasBody = seen.method !== "GET" && seen.method !== "HEAD";
  const answer = await fetch(`${workerUrl()}${seen.path}`, {
    method: seen.method,
    headers,
    ...(hasBody ? { body: new Uint8Array(seen.body) } : {}),
  });
  const body = Buffer.from(await answer.arrayBuffer());
  if (loseAnswer) {
    response.socket?.destroy();
    return;
  }
  const outHeaders: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) outHeaders[name] = value;
  });
  response.writeHead(answer.status, outHeaders).end(body);
}

/**
 * A real HTTP server on 127.0.0.1 (a free port) between a client and the
 * worker: `decide` says, per request (numbered from 0), whether to forward
 * it, drop it, or answer it itself — how tests make failures the worker
 * cannot produce on demand. `closeTestServers` closes any left open.
 *
 * @example
 * const proxy = await startTestServer((_request, n) => (n < 2 ? { answer: { status: 503 } } : { forward: true }));
 */
export async function startTestServer(decide: (request: SeenRequest, index: number) => ServerAction = () => FORWARD): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const server = createServer(async (request, response) => {
    const entry: SeenRequest = {
      method: request.method ?? "GET",
      path: request.url ?? "/",
      headers: headersOf(request),
      body: await readBody(request),
    };
    seen.push(entry);
    const action = decide(entry, seen.length - 1);
    try {
      if ("drop" in action) return void request.socket.destroy();
      if (action.delayMs) await new Promise((resolve) => setTimeout(resolve, action.delayMs));
      if (response.destroyed || request.socket.destroyed) return;
      if ("forward" in action) return await forward(entry, response, action.loseAnswer === true);
      const { status, headers = {}, body = "" } = action.answer;
      response.writeHead(status, headers).end(body);
    } catch (error) {
      response.destroy(error as Error);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const testServer: TestServer = {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        openServers.delete(testServer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  openServers.add(testServer);
  return testServer;
}

/** The API's JSON error answer. */
export function apiError(status: number, code: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return {
    answer: {
      status,
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify({ error: { code, message: `${code} (from the test server)`, ...extra } }),
    },
  };
}

/** What a run of the CLI did. */
export interface CliRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs the built `geocache` command (dist/client/cli.js) with `args`, against
 * the worker under test unless `env` says otherwise, with `input` on its
 * standard input (closed at once without it).
 *
 * @example const { code, stdout } = await runCli(["get", key]);
 */
export function runCli(args: string[], options: { input?: string | Uint8Array; env?: Record<string, string> } = {}): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env, GEOCACHE_URL: workerUrl(), GEOCACHE_TOKEN: undefined };
  const child = spawn(process.execPath, [join(CLIENT_DIST, "cli.js"), ...args], {
    env: { ...env, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  child.stdin.end(options.input);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill(), 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString("utf8") });
    });
  });
}
