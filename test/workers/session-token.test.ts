import { describe, expect, it } from "vitest";
import { SESSION_CAPACITY, SessionToken } from "../../worker/session-token";

describe("SessionToken", () => {
  it("round-trips the versions it records, keeping the highest per key", () => {
    const session = new SessionToken();
    session.observe("default/a", 3);
    session.observe("default/b", 1_000_000);
    session.observe("default/a", 2);
    const copy = SessionToken.parse(session.toString());
    expect(copy.minVersion("default/a")).toBe(3);
    expect(copy.minVersion("default/b")).toBe(1_000_000);
    expect(copy.minVersion("default/c")).toBe(0);
  });

  it("remembers at least 64 of its most recent keys in about a kilobyte", () => {
    const session = new SessionToken();
    for (let i = 0; i < 500; i++) session.observe(`default/key-${i}`, 1_000 + i);
    const token = session.toString();
    expect(token.length).toBeLessThanOrEqual(1_100);
    const copy = SessionToken.parse(token);
    expect(copy.size).toBe(SESSION_CAPACITY);
    expect(SESSION_CAPACITY).toBeGreaterThanOrEqual(64);
    for (let i = 500 - SESSION_CAPACITY; i < 500; i++) expect(copy.minVersion(`default/key-${i}`)).toBe(1_000 + i);
    expect(copy.minVersion("default/key-0")).toBe(0);
  });

  it("keeps a key that is used again among the most recent", () => {
    const session = new SessionToken();
    session.observe("default/old", 1);
    for (let i = 0; i < SESSION_CAPACITY - 1; i++) session.observe(`default/k${i}`, 1);
    session.observe("default/old", 2);
    session.observe("default/newest", 1);
    expect(SessionToken.parse(session.toString()).minVersion("default/old")).toBe(2);
  });

  it("gives no place to a key read before it was ever written (version 0), so such reads never push out a write", () => {
    const session = new SessionToken();
    session.observe("default/written", 5);
    for (let i = 0; i < 10 * SESSION_CAPACITY; i++) session.observe(`default/absent-${i}`, 0);
    const copy = SessionToken.parse(session.toString());
    expect(copy.size).toBe(1);
    expect(copy.minVersion("default/written")).toBe(5);
  });

  it("answers a token it was sent unchanged when the request changed nothing in it, and anew when it did", () => {
    const session = new SessionToken();
    session.observe("default/a", 4);
    session.observe("default/b", 9);
    const sent = session.toString();
    const reread = SessionToken.parse(sent);
    reread.observe("default/b", 9);
    reread.observe("default/b", 2);
    expect(reread.toString()).toBe(sent);
    // Reading "a" again makes it the most recent key: the same versions, in another order.
    reread.observe("default/a", 4);
    const reordered = reread.toString();
    expect(reordered).not.toBe(sent);
    expect(SessionToken.parse(reordered).minVersion("default/a")).toBe(4);
    expect(SessionToken.parse(reordered).minVersion("default/b")).toBe(9);
    reread.observe("default/a", 5);
    expect(SessionToken.parse(reread.toString()).minVersion("default/a")).toBe(5);
  });

  it("writes versions up to 2^53 − 1 and reads them back", () => {
    const session = new SessionToken();
    for (const [i, version] of [1, 127, 128, 16_383, 16_384, 2 ** 32, Number.MAX_SAFE_INTEGER].entries()) session.observe(`default/v${i}`, version);
    const copy = SessionToken.parse(session.toString());
    for (const [i, version] of [1, 127, 128, 16_383, 16_384, 2 ** 32, Number.MAX_SAFE_INTEGER].entries()) {
      expect(copy.minVersion(`default/v${i}`)).toBe(version);
    }
  });

  it("rejects tokens that are not its own format", () => {
    // "AQ" is an empty session; a format byte of 0 or 2, a truncated entry, or foreign characters are not tokens.
    expect(SessionToken.parse(new SessionToken().toString()).size).toBe(0);
    for (const bad of ["!!", "AA", "Ag", "AQID", "x".repeat(3_000)]) {
      expect(() => SessionToken.parse(bad)).toThrow(RangeError);
    }
    expect(SessionToken.parse("").size).toBe(0);
  });
});
