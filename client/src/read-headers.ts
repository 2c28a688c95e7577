import type { Consistency, GetOptions, GetResult, ServedBy } from "./types";

/**
 * The request headers of a read's options.
 *
 * @example readHeaders({ consistency: "bounded", maxStalenessMs: 500 }) // { "X-Consistency": "bounded", "X-Max-Staleness": "500" }
 */
export function readHeaders(options: Omit<GetOptions, "type">): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.consistency !== undefined) headers["X-Consistency"] = options.consistency;
  if (options.maxStalenessMs !== undefined) headers["X-Max-Staleness"] = String(options.maxStalenessMs);
  if (options.minVersion !== undefined) headers["X-Min-Version"] = String(options.minVersion);
  if (options.maxWaitMs !== undefined) headers["X-Max-Wait-Ms"] = String(options.maxWaitMs);
  return headers;
}

/**
 * A header's number, or null when it is absent or not a number.
 *
 * @example numberHeader(response.headers, "Content-Length") // 4321
 */
export function numberHeader(headers: Headers, name: string): number | null {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === "") return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}

/**
 * A read's result: its value and what the answer's headers say about it.
 *
 * @example readResult(response.headers, "hello") // { value: "hello", version: 1, servedBy: "replica", … }
 */
export function readResult<T>(headers: Headers, value: T): GetResult<T> {
  const etag = headers.get("ETag")?.replace(/^W\//, "").replace(/"/g, "");
  return {
    value,
    version: numberHeader(headers, "X-Version") ?? (Number(etag) || 0),
    servedBy: (headers.get("X-Served-By") ?? "primary") as ServedBy,
    region: headers.get("X-Region") ?? "",
    stalenessMs: numberHeader(headers, "X-Staleness-Ms") ?? 0,
    expiresAt: numberHeader(headers, "X-Expires-At"),
    contentType: headers.get("Content-Type") ?? "application/octet-stream",
    consistency: (headers.get("X-Consistency") ?? "eventual") as Consistency,
  };
}
