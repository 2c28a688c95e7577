/**
 * The tokens the test workers accept (`GEOCACHE_TOKENS`), by name: a scope
 * and a tenant each. Two tenants hold a token of every scope, so a test can
 * cross any pair of scope and tenant.
 */
export const TEST_TOKENS = {
  acmeRead: { token: "test-acme-read-0123456789abcdef", scope: "read", namespace: "acme" },
  acmeWrite: { token: "test-acme-write-0123456789abcdef", scope: "write", namespace: "acme" },
  acmeAdmin: { token: "test-acme-admin-0123456789abcdef", scope: "admin", namespace: "acme" },
  globexRead: { token: "test-globex-read-0123456789abcdef", scope: "read", namespace: "globex" },
  globexWrite: { token: "test-globex-write-0123456789abcdef", scope: "write", namespace: "globex" },
  globexAdmin: { token: "test-globex-admin-0123456789abcdef", scope: "admin", namespace: "globex" },
  /** Only for the rate-limit test, so no other test spends its budget. */
  limited: { token: "test-limited-write-0123456789abcdef", scope: "write", namespace: "limited" },
} as const;

export type TestTokenName = keyof typeof TEST_TOKENS;

/** The `GEOCACHE_TOKENS` secret the test workers are given. */
export const TEST_TOKENS_SECRET = JSON.stringify(Object.values(TEST_TOKENS));

/**
 * The Authorization header of a test token.
 *
 * @example await SELF.fetch(url, { headers: bearer("acmeWrite") });
 */
export function bearer(name: TestTokenName): { Authorization: string } {
  return { Authorization: `Bearer ${TEST_TOKENS[name].token}` };
}
