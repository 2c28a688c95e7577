/**
 * The geocache client: `GeoCache` and everything its methods take, answer
 * and throw. Only `fetch` and Web APIs, so it runs unchanged in Node,
 * browsers, Workers, Deno and Bun.
 *
 * @example
 * import { GeoCache } from "geocache";
 * const cache = GeoCache.fromEnv();
 * await cache.set("greeting", "hello");
 * (await cache.get("greeting"))?.value; // "hello"
 */
export { GeoCache, type GeoCacheEnv, type GeoCacheOptions } from "./geocache";
export { HttpRequester, type FetchFunction, type HttpRequesterOptions } from "./http-requester";
export type { RequestBody, Requester, RequesterRequest } from "./requester";
export { fullJitter, type RetryOption } from "./retry";
export type { StorableValue, ValueType } from "./values";
export type {
  Consistency,
  DeleteOptions,
  GetOptions,
  GetResult,
  HeadResult,
  Health,
  IncrOptions,
  IncrResult,
  MgetOptions,
  ReadOptions,
  Regions,
  ServedBy,
  SetOptions,
  SetResult,
} from "./types";
export {
  AbortedError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  GeoCacheError,
  NetworkError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  RateLimitedError,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
  type GeoCacheErrorOptions,
} from "./errors";
