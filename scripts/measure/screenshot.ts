/**
 * Saves a picture of a measurement's HTML report, for the README: the page
 * in headless Chromium (Debian's, as the tests drive it), from the top down
 * to the full table, which the README gives as text.
 *
 *     npx tsx scripts/measure/screenshot.ts reports/measure-<time>.html docs/measure-report.png
 */
import { pathToFileURL } from "node:url";
import { launchChromium } from "../../test/support/browser";

/**
 * Opens `html` and saves everything above its full table as a PNG at `png`;
 * fails if the page logs an error or asks for anything.
 */
export async function screenshotReport(html: string, png: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on("console", (message) => void (message.type() === "error" && problems.push(message.text())));
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("request", (request) => void (request.url().startsWith("file:") || problems.push(`request for ${request.url()}`)));
    await page.goto(pathToFileURL(html).href, { waitUntil: "load" });
    // Down to the table's heading, which stands just above it; as wide as the widest chart, and a margin.
    const table = await page.$eval("#summary-table", (element) => element.getBoundingClientRect().top + window.scrollY);
    const right = await page.$$eval("svg", (svgs) => Math.max(...svgs.map((svg) => svg.getBoundingClientRect().right)));
    await page.screenshot({ path: png, fullPage: true, clip: { x: 0, y: 0, width: Math.ceil(right + 24), height: Math.ceil(table - 48) } });
    if (problems.length) throw new Error(`the report did not open cleanly: ${problems.join("; ")}`);
  } finally {
    await browser.close();
  }
}

const [html, png] = process.argv.slice(2);
if (!html || !png) {
  console.error("usage: npx tsx scripts/measure/screenshot.ts <report.html> <picture.png>");
  process.exit(2);
}
await screenshotReport(html, png);
console.log(`${png}`);
