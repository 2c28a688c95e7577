import { describe, expect, it } from "vitest";
import { fullJitterDelay, isRetryable } from "../../durable-objects/retry";
import { ApiError } from "../../worker/errors";
import { callObject } from "../../worker/object-call";

/** An error shaped as Cloudflare raises it from a Durable Object call. */
function objectError(flags: { retryable?: boolean; overloaded?: boolean }): Error {
  return Object.assign(new Error("Durable Object error"), flags);
}

describe("calling a Durable Object", () => {
  it("maps an overloaded object to 503 overloaded with Retry-After, without retrying", async () => {
    let attempts = 0;
    const error = await callObject(
      async () => {
        attempts++;
        throw objectError({ retryable: true, overloaded: true });
      },
      { idempotent: true },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect((error as ApiError).code).toBe("overloaded");
    expect((error as ApiError).headers["Retry-After"]).toBe("1");
    expect(attempts).toBe(1);
  });

  it("retries an idempotent call on a retryable error, and a write never", async () => {
    let reads = 0;
    const value = await callObject(
      async () => {
        if (++reads < 3) throw objectError({ retryable: true });
        return "read";
      },
      { idempotent: true },
    );
    expect(value).toBe("read");
    expect(reads).toBe(3);

    let writes = 0;
    const error = await callObject(
      async () => {
        writes++;
        throw objectError({ retryable: true });
      },
      { idempotent: false },
    ).catch((e: unknown) => e);
    expect((error as ApiError).code).toBe("unavailable");
    expect(writes).toBe(1);
  });

  it("does not retry an error that is not marked retryable", async () => {
    let attempts = 0;
    await callObject(
      async () => {
        attempts++;
        throw new Error("not retryable");
      },
      { idempotent: true },
    ).catch(() => {});
    expect(attempts).toBe(1);
    expect(isRetryable(objectError({ retryable: true }))).toBe(true);
    expect(isRetryable(objectError({ retryable: true, overloaded: true }))).toBe(false);
  });

  it("draws full-jitter delays below a ceiling that doubles up to its cap", () => {
    const policy = { baseMs: 100, capMs: 1_000 };
    expect(fullJitterDelay(0, policy, () => 0.999)).toBe(99);
    expect(fullJitterDelay(3, policy, () => 0.999)).toBe(799);
    expect(fullJitterDelay(10, policy, () => 0.999)).toBe(999);
    expect(fullJitterDelay(10, policy, () => 0)).toBe(0);
  });
});
