import { describe, expect, it } from "vitest";
import type { KeyRef } from "../../durable-objects/record";
import { fullJitterDelay, isRetryable } from "../../durable-objects/retry";
import { ApiError } from "../../worker/errors";
import { callObject } from "../../worker/object-call";
import { abortObject } from "./fault-helpers";
import { inside, placement, putText, uniqueRef } from "./helpers";

/** The primary's own read, beneath its RPC method `read`. */
type PrimaryInternals = { readNow(ref: KeyRef): Promise<unknown> };

/**
 * Makes the key's real primary fail its next `times` reads with an error
 * marked retryable, as a transient failure inside the object would; the
 * runtime carries it back over RPC. Answers how many of them have happened.
 */
async function failNextReads(ref: KeyRef, times: number): Promise<() => Promise<number>> {
  await inside(placement.primary(ref), (instance: PrimaryInternals) => {
    const readNow = instance.readNow.bind(instance);
    let failed = 0;
    Object.assign(instance, { failedReads: () => failed });
    instance.readNow = async (r) => {
      if (failed >= times) return readNow(r);
      failed++;
      throw Object.assign(new Error("a transient failure inside the object"), { retryable: true });
    };
  });
  return () => inside(placement.primary(ref), (instance: { failedReads(): number }) => instance.failedReads());
}

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

  it("retries through a fresh stub: the operation, which builds the stub, runs once per attempt, and no two attempts share one", async () => {
    const ref = uniqueRef("fresh-stub");
    await putText(ref, "held");
    const failedReads = await failNextReads(ref, 2);
    const stubs: object[] = [];
    const read = await callObject(
      () => {
        const stub = placement.primary(ref);
        stubs.push(stub);
        return stub.read(ref);
      },
      { idempotent: true },
    );
    expect(read.record.version).toBe(1);
    expect(await failedReads()).toBe(2);
    expect(stubs).toHaveLength(3);
    expect(new Set(stubs).size).toBe(3);
  });

  it("needs that fresh stub: one whose object was aborted keeps failing, while a new one reaches the restarted object", async () => {
    const ref = uniqueRef("broken-stub");
    await putText(ref, "held");
    const seen = placement.primary(ref);
    expect((await seen.read(ref)).record.version).toBe(1);
    await abortObject(seen, "aborted under a stub in use");
    for (let attempt = 0; attempt < 3; attempt++) await expect(seen.read(ref)).rejects.toThrow("aborted under a stub in use");
    expect((await placement.primary(ref).read(ref)).record.version).toBe(1);
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
