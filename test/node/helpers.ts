import { inject } from "vitest";

export const REGIONS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;

/** A key no other test uses. */
export function uniqueKey(label: string): string {
  return `${label}-${crypto.randomUUID()}`;
}

/** The URL of a key on the worker under test, percent-encoded as one path segment. */
export function keyUrl(key: string, query = ""): string {
  return `${inject("baseUrl")}/v1/keys/${encodeURIComponent(key)}${query}`;
}

export function apiUrl(path: string): string {
  return `${inject("baseUrl")}${path}`;
}

/** A GET of a key in one region and read mode. */
export function read(key: string, region: string, consistency: "strong" | "eventual"): Promise<Response> {
  return fetch(keyUrl(key), { headers: { "X-Region": region, "X-Consistency": consistency } });
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
