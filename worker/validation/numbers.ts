import { ApiError } from "../errors";

/**
 * Parses a value that must be a whole number within `[min, max]`, or throws
 * a 400 naming the input and its limits: `invalid_header` for a header or
 * query value, `invalid_body` for a field of a JSON body.
 *
 * @example wholeNumber("X-Min-Version", "7", 0, Number.MAX_SAFE_INTEGER) // 7
 */
export function wholeNumber(
  name: string,
  raw: string,
  min: number,
  max: number,
  code: "invalid_header" | "invalid_body" = "invalid_header",
): number {
  const text = raw.trim();
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ApiError(400, code, `${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}
