import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker } from "../../scripts/local-worker";
import { launchChromium, type HeadlessBrowser } from "../support/browser";
import { TEST_TOKENS, TEST_TOKENS_SECRET } from "../support/tokens";
import { apiUrl, keyUrl, uniqueKey } from "./helpers";

let browser: HeadlessBrowser;

beforeAll(async () => {
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
});

describe("the dashboard in headless Chromium", () => {
  it("shows every region's live figures and updates them after writes and reads", async () => {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(String(error)));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    await page.goto(apiUrl("/dashboard"));
    await page.waitForSelector('tr[data-region="weur"]');
    expect(await page.locator("tr[data-region]").count()).toBe(9);

    const readsIn = async (region: string) => Number(await page.locator(`tr[data-region="${region}"] td:nth-child(7)`).textContent());
    const appliedIn = async (region: string) => Number(await page.locator(`tr[data-region="${region}"] td:nth-child(4)`).textContent());
    const readsBefore = await readsIn("sam");
    const appliedBefore = await appliedIn("sam");

    const key = uniqueKey("dashboard");
    await fetch(keyUrl(key), { method: "PUT", body: "x", headers: { "X-Region": "weur" } });
    for (let i = 0; i < 4; i++) {
      const answer = await fetch(keyUrl(key), { headers: { "X-Region": "sam", "X-Consistency": "strong" } });
      await answer.arrayBuffer();
    }

    // The page polls every second: the new reads and the replicated write show without a reload.
    await expect.poll(() => readsIn("sam"), { timeout: 10_000, interval: 250 }).toBeGreaterThanOrEqual(readsBefore + 4);
    await expect.poll(() => appliedIn("sam"), { timeout: 10_000, interval: 250 }).toBeGreaterThan(appliedBefore);
    expect(await page.locator("#status").textContent()).toMatch(/^updated /);
    expect(problems).toEqual([]);
    await page.close();
  }, 40_000);

  it("behind tokens, shows no figures until given an admin token, which it sends only as a header", async () => {
    const secured = await startLocalWorker({ ANONYMOUS_ACCESS: "off", GEOCACHE_TOKENS: TEST_TOKENS_SECRET });
    const page = await browser.context.newPage();
    const statsRequests: { url: string; authorization: string | undefined }[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/v1/stats")) statsRequests.push({ url: request.url(), authorization: request.headers()["authorization"] });
    });
    try {
      await page.goto(`${secured.url}/dashboard`);
      await page.waitForSelector("#login:not([hidden])");
      expect(await page.locator("tr[data-region]").count()).toBe(0);
      expect(await page.locator("#status").textContent()).toContain("an admin token is needed");

      await page.fill("#token", TEST_TOKENS.acmeWrite.token);
      await page.click("#login button");
      await expect.poll(() => statsRequests.some((r) => r.authorization?.endsWith(TEST_TOKENS.acmeWrite.token)), { timeout: 5_000 }).toBe(true);
      expect(await page.locator("tr[data-region]").count()).toBe(0);

      await page.fill("#token", TEST_TOKENS.acmeAdmin.token);
      await page.click("#login button");
      await page.waitForSelector('tr[data-region="weur"]');
      expect(await page.locator("tr[data-region]").count()).toBe(9);
      expect(await page.locator("#login").isHidden()).toBe(true);
      // Nothing has replicated or been read on this worker yet: no percentiles, rather than a 0 that reads as no lag.
      const row = page.locator('tr[data-region="oc"] td');
      expect(await row.nth(1).textContent()).toBe("–");
      expect(await row.nth(2).textContent()).toBe("–");
      expect(await row.nth(9).textContent()).toBe("– / –");
      expect(statsRequests.every((r) => !r.url.includes(TEST_TOKENS.acmeAdmin.token) && !r.url.includes("token"))).toBe(true);
    } finally {
      await page.close();
      await secured.stop();
    }
  }, 60_000);
});
