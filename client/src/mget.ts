import { errorFromStatus, type ErrorBody } from "./error-from-response";
import { RETRYABLE_STATUSES } from "./retry";
import type { Consistency, GetOptions, GetResult, MgetOptions, ServedBy } from "./types";
import { base64Bytes, decodeBytes } from "./values";

/** The most keys the service takes in one `POST /v1/mget`. */
export const MGET_BATCH_LIMIT = 100;

/** One key's entry in an `mget` answer. */
interface MgetEntry {
  key: string;
  status: number;
  version?: number;
  value?: string | null;
  contentType?: string | null;
  servedBy?: ServedBy;
  region?: string;
  stalenessMs?: number;
  expiresAt?: number | null;
  consistency?: Consistency;
  error?: ErrorBody;
}

/**
 * Splits keys into batches the service accepts.
 *
 * @example mgetBatches(["a", "b", "c"], 2) // [["a", "b"], ["c"]]
 */
export function mgetBatches(keys: readonly string[], limit = MGET_BATCH_LIMIT): string[][] {
  const batches: string[][] = [];
  for (let i = 0; i < keys.length; i += limit) batches.push(keys.slice(i, i + limit));
  return batches;
}

/**
 * The JSON body of one `mget` batch.
 *
 * @example mgetBody(["a"], { consistency: "strong" }) // { keys: ["a"], consistency: "strong" }
 */
export function mgetBody(keys: readonly string[], options: MgetOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { keys };
  if (options.consistency !== undefined) body["consistency"] = options.consistency;
  if (options.maxStalenessMs !== undefined) body["maxStalenessMs"] = options.maxStalenessMs;
  if (options.maxWaitMs !== undefined) body["maxWaitMs"] = options.maxWaitMs;
  if (options.minVersions !== undefined) {
    const wanted = Object.entries(options.minVersions).filter(([key]) => keys.includes(key));
    if (wanted.length > 0) body["minVersions"] = Object.fromEntries(wanted);
  }
  return body;
}

/** The answer to one `POST /v1/mget`. */
export interface MgetAnswer {
  results?: MgetEntry[];
}

/** The code of an entry whose value the service left out of a full answer. */
const ANSWER_TOO_LARGE = "answer_too_large";

/** Stands in {@link mgetResults} for a key whose value the service left out of a full answer: ask for it again. */
export const LEFT_OUT: unique symbol = Symbol("left out of a full answer");

/**
 * Stands in {@link mgetResults} for a key whose read failed for a while
 * (429, 502, 503, 504 in its entry, though the batch answered 200): read it
 * on its own, which retries it as a `get` of it would be.
 */
export const READ_ALONE: unique symbol = Symbol("failed for a while: read on its own");

/**
 * The options of a `get` that reads one key of an `mget` as the batch
 * would have: its mode, bound, region, signal, wait and the key's own
 * minimum version.
 *
 * @example getOptionsFor("a", { consistency: "bounded", maxStalenessMs: 500, minVersions: { a: 3 } }) // { consistency: "bounded", maxStalenessMs: 500, minVersion: 3 }
 */
export function getOptionsFor(key: string, options: MgetOptions): GetOptions {
  const { minVersions, ...shared } = options;
  const minVersion = minVersions !== undefined && Object.hasOwn(minVersions, key) ? minVersions[key] : undefined;
  return minVersion === undefined ? shared : { ...shared, minVersion };
}

/**
 * The results of one batch, in the order of its keys: each a `GetResult`,
 * null for a key that does not exist, {@link LEFT_OUT} for one whose value
 * did not fit in the answer, or {@link READ_ALONE} for one whose read failed
 * for a while. A key whose read failed otherwise throws its typed error
 * (e.g. `ForbiddenError`), as a `get` of it would.
 *
 * @example mgetResults(["a"], { results: [{ key: "a", status: 404 }] }, {}) // [null]
 */
export function mgetResults(
  keys: readonly string[],
  answer: MgetAnswer,
  options: MgetOptions,
): (GetResult | null | typeof LEFT_OUT | typeof READ_ALONE)[] {
  const entries = answer.results ?? [];
  return keys.map((key, index) => {
    const entry = entries[index]?.key === key ? entries[index] : entries.find((candidate) => candidate.key === key);
    if (entry === undefined || entry.status === 404) return null;
    if (entry.error?.code === ANSWER_TOO_LARGE) return LEFT_OUT;
    if (RETRYABLE_STATUSES.has(Number(entry.status))) return READ_ALONE;
    if (entry.status !== 200 || typeof entry.value !== "string") throw errorFromStatus(Number(entry.status), entry.error ?? {});
    const contentType = entry.contentType ?? "application/octet-stream";
    return {
      value: decodeBytes(base64Bytes(entry.value!), contentType, options.type),
      version: entry.version ?? 0,
      servedBy: entry.servedBy ?? "replica",
      region: entry.region ?? "",
      stalenessMs: entry.stalenessMs ?? 0,
      expiresAt: entry.expiresAt ?? null,
      contentType,
      consistency: entry.consistency ?? "eventual",
    };
  });
}
