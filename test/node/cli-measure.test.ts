import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MeasureReport } from "../../scripts/measure/report";
import { CLIENT_DIST } from "../../client/build/build-client";
import { apiError, closeTestServers, runCli, startTestServer, workerUrl, type ServerAction, type TestServer } from "./client-helpers";

// `geocache measure` from the built package, against the node project's
// worker over real HTTP: a short, bounded workload (two regions, about two
// seconds of traffic at 20 operations a second).

const ROOT = join(import.meta.dirname, "..", "..");
const SHORT = ["--duration", "1.5", "--rate", "20", "--keys", "4", "--regions", "weur,oc", "--writers", "weur", "--visibility-share", "1"];

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "geocache-measure-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});
afterEach(closeTestServers);

/** Exactly one line on stderr, nothing on stdout. */
function expectOneLineError(run: { stdout: Buffer; stderr: string }, pattern: RegExp): void {
  expect(run.stdout.length).toBe(0);
  expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(run.stderr.trimEnd()).toMatch(pattern);
}

/**
 * A server in front of the worker that notes each request's Authorization
 * and forwards it without: the worker under test knows no tokens.
 */
async function tokenRecorder(): Promise<{ server: TestServer; authorizations: Array<string | undefined> }> {
  const authorizations: Array<string | undefined> = [];
  const server = await startTestServer((request) => {
    authorizations.push(request.headers["authorization"]);
    delete request.headers["authorization"];
    return { forward: true };
  });
  return { server, authorizations };
}

async function readReport(dir: string): Promise<{ report: MeasureReport; html: string }> {
  const files = await readdir(dir);
  const json = files.find((f) => f.endsWith(".json"));
  const html = files.find((f) => f.endsWith(".html"));
  expect(json && html, `reports in ${files.join(", ")}`).toBeTruthy();
  return { report: JSON.parse(await readFile(join(dir, json!), "utf8")) as MeasureReport, html: await readFile(join(dir, html!), "utf8") };
}

describe("geocache measure", () => {
  it("measures the URL given: the table on stdout, the JSON and HTML reports, status 0", async () => {
    const out = join(scratch, "table");
    const run = await runCli(["measure", "--url", workerUrl(), "--out", out, ...SHORT], { env: { GEOCACHE_URL: "http://127.0.0.1:1" } });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const stdout = run.stdout.toString();
    expect(stdout).toContain(`target: ${workerUrl()}`);
    expect(stdout).toMatch(/^region\s+mode\s+reads\s+p50\s+p95\s+p99\s+stale.*vis p50\s+vis p99\s+svc lag p50\s+svc lag p99$/m);
    for (const region of ["weur", "oc"]) expect(stdout).toMatch(new RegExp(`^${region}\\s+strong\\s+\\d+`, "m"));
    expect(stdout).not.toMatch(/^wnam/m);
    // Progress went to stderr, as plain lines (not a terminal).
    expect(run.stderr).toMatch(/^waiting for replication to reach every region$/m);

    const { report, html } = await readReport(out);
    expect(report.target).toBe(workerUrl());
    expect(report.regions).toEqual(["weur", "oc"]);
    expect(report.options).toMatchObject({ rate: 20, durationMs: 1500, keys: 4, writerRegions: ["weur"], visibilityShare: 1 });
    expect(report.summary.cells).toHaveLength(2 * 4);
    for (const cell of report.summary.cells) expect(cell.errors, `${cell.region} ${cell.mode}`).toBe(0);
    expect(report.failures).toEqual([]);
    expect(report.reads.length + report.writes.length).toBeGreaterThan(0);
    expect(report.service && "regions" in report.service && Object.keys(report.service.regions)).toEqual(expect.arrayContaining(["weur", "oc"]));
    expect(html).toContain("<h1>geocache: staleness vs latency per region</h1>");
    expect(stdout).toContain(join(out, "measure-"));
  }, 30_000);

  it("sends --token, else $GEOCACHE_TOKEN, as a bearer token with every request, and prints JSON with --json", async () => {
    const { server, authorizations } = await tokenRecorder();
    const out = join(scratch, "json");
    const run = await runCli(["measure", "--out", out, "--json", ...SHORT], { env: { GEOCACHE_URL: server.url, GEOCACHE_TOKEN: "from-env" } });
    expect(run.code, run.stderr.toString()).toBe(0);
    const printed = JSON.parse(run.stdout.toString()) as { target: string; files: { json: string; html: string }; summary: MeasureReport["summary"] };
    expect(printed.target).toBe(server.url);
    expect(printed.summary.cells).toHaveLength(8);
    expect(printed.files.json.startsWith(join(out, "measure-"))).toBe(true);
    expect(authorizations.length).toBeGreaterThan(10);
    expect(new Set(authorizations)).toEqual(new Set(["Bearer from-env"]));

    const flag = await tokenRecorder();
    // --timeout 0 is no limit here too, as everywhere in the CLI.
    const again = await runCli(["measure", "--url", flag.server.url, "--token", "from-flag", "--timeout", "0", "--out", out, "--duration", "0.2", "--rate", "10", "--regions", "weur"], {
      env: { GEOCACHE_TOKEN: "from-env" },
    });
    expect(again.code, again.stderr).toBe(0);
    expect(new Set(flag.authorizations)).toEqual(new Set(["Bearer from-flag"]));
  }, 30_000);

  it("--help describes the workload's options; the overview names the command", async () => {
    const help = await runCli(["measure", "--help"]);
    expect(help.code).toBe(0);
    const text = help.stdout.toString();
    expect(text).toMatch(/^Usage: geocache measure \[options\]/);
    for (const option of ["--url", "--token", "--rate", "--duration", "--keys", "--value-size", "--read-ratio", "--regions", "--writers", "--out", "--json"]) {
      expect(text).toContain(`  ${option} `);
    }
    expect((await runCli(["--help"])).stdout.toString()).toMatch(/^ {2}measure +measure staleness vs latency/m);
  });
});

describe("geocache measure: mistakes are one line and status 2, an unreachable service one line and status 1", () => {
  it.each([
    [["measure", "--rate", "0"], /^geocache measure: --rate must be a number from 0\.1 to 10000, not "0"/],
    [["measure", "--duration", "soon"], /^geocache measure: --duration must be a number/],
    [["measure", "--rate", "10000", "--duration", "3600"], /^geocache measure: --rate × --duration is 36000000 operations; a run takes at most 1000000 /],
    [["measure", "--visibility-share", "2"], /^geocache measure: --visibility-share must be a number from 0 to 1/],
    [["measure", "--modes", "strong,fast"], /^geocache measure: unknown read mode "fast"/],
    [["measure", "--regions", "weur,mars"], /^geocache measure: "mars" is not one of the server's regions: .*weur/],
    [["measure", "--regions", ","], /^geocache measure: --regions takes regions separated by commas, not ","/],
    [["measure", "--writers", ""], /^geocache measure: --writers takes regions separated by commas, not ""/],
    [["measure", "--region", "oc"], /^geocache measure: reads in every region; choose them with --regions/],
    [["measure", "--consistency", "strong"], /^geocache measure: reads in every mode; choose them with --modes/],
    [["measure", "now"], /^geocache measure: unexpected argument "now"/],
    [["measure", "--url", "not a url"], /^geocache measure: --url "not a url" is not a URL/],
    [["measure", "--ttl", "5"], /^geocache measure: does not take --ttl/],
  ])("%j", async (args, pattern) => {
    const run = await runCli(args);
    expect(run.code, run.stderr).toBe(2);
    expectOneLineError(run, pattern);
  });

  it("says the service cannot be reached, and why", async () => {
    const closed = await startTestServer();
    const url = closed.url;
    await closed.close();
    const run = await runCli(["measure", "--url", url, "--timeout", "2000"]);
    expect(run.code).toBe(1);
    expectOneLineError(run, new RegExp(`^geocache measure: cannot list the regions of ${url}: ECONNREFUSED$`));
  });
});

it("says why a service that refuses the first writes cannot be measured, status 1", async () => {
  const refusing = await startTestServer((request) => (request.method === "PUT" ? apiError(403, "insufficient_scope") : { forward: true }));
  const run = await runCli(["measure", "--url", refusing.url, "--keys", "1", "--regions", "weur"]);
  expect(run.code).toBe(1);
  expect(run.stdout.length).toBe(0);
  expect(run.stderr.trimEnd().split("\n").at(-1)).toMatch(
    /^geocache measure: cannot measure http:\/\/127\.0\.0\.1:\d+: the first write of measure-\S+ answered 403 \(insufficient_scope: .*\) \(.*needs a token with the admin scope\)$/,
  );
  // A refusal is final: it is not sent again.
  expect(refusing.seen.filter((request) => request.method === "PUT")).toHaveLength(1);
});

it("says a first write's 200 is not the API's when its body names no version, and does not send it again", async () => {
  const foreign = await startTestServer((request) => (request.method === "PUT" ? { answer: { status: 200, body: "<html>welcome</html>" } } : { forward: true }));
  const run = await runCli(["measure", "--url", foreign.url, "--keys", "1", "--regions", "weur"]);
  expect(run.code).toBe(1);
  expect(run.stderr.trimEnd().split("\n").at(-1)).toMatch(/the first write of measure-\S+ answered 200 \(<html>welcome<\/html>\)$/);
  expect(foreign.seen.filter((request) => request.method === "PUT")).toHaveLength(1);
});

describe("a first write that fails in passing (no answer, 503)", () => {
  const unavailable = apiError(503, "unavailable", {}, { "Retry-After": "0" });
  const seedPuts = (server: TestServer) => server.seen.filter((request) => request.method === "PUT");

  it("is sent again with the same Idempotency-Key, and the measurement goes on", async () => {
    const failures: ServerAction[] = [{ drop: true }, unavailable];
    const flaky = await startTestServer((request) => (request.method === "PUT" && failures.shift()) || { forward: true });
    const out = join(scratch, "flaky");
    const run = await runCli(["measure", "--url", flaky.url, "--out", out, "--keys", "1", "--regions", "weur", "--duration", "0.2", "--rate", "10"]);
    expect(run.code, run.stderr).toBe(0);
    const [first, ...again] = seedPuts(flaky).slice(0, 3);
    expect(first?.headers["idempotency-key"]).toMatch(/^\S+$/);
    expect(again.map((request) => [request.path, request.headers["idempotency-key"]])).toEqual([
      [first!.path, first!.headers["idempotency-key"]],
      [first!.path, first!.headers["idempotency-key"]],
    ]);
  });

  it("stops the run after four attempts, saying what the last answer was (a proxy's page as well as an API error)", async () => {
    // wrangler dev's proxy answers so for a request it could not forward (cloudflare/workers-sdk#14641).
    const page = { status: 503, headers: { "Retry-After": "0" }, body: "Your worker restarted mid-request. Please try sending the request again.\nOnly GET…" };
    const down = await startTestServer((request) => (request.method === "PUT" ? { answer: page } : { forward: true }));
    const run = await runCli(["measure", "--url", down.url, "--keys", "1", "--regions", "weur"]);
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split("\n").at(-1)).toMatch(
      /^geocache measure: cannot measure http:\/\/127\.0\.0\.1:\d+: the first write of measure-\S+ answered 503 \(Your worker restarted mid-request\. Please try sending the request again\.\), 4 times$/,
    );
    expect(seedPuts(down)).toHaveLength(4);
  });
});

it("is a bundle of its own, which the rest of the command does not load", async () => {
  const files = await readdir(CLIENT_DIST);
  const eager = files.filter((f) => f === "cli.js" || f.startsWith("chunk-"));
  for (const file of eager) expect(await readFile(join(CLIENT_DIST, file), "utf8"), file).not.toContain("runWorkload");
  const measure = await readFile(join(CLIENT_DIST, "measure.js"), "utf8");
  expect(measure).toContain("runWorkload");
  expect(await readFile(join(CLIENT_DIST, "cli.js"), "utf8")).toContain('import("./measure.js")');
});

describe("npm run measure", () => {
  const measureScript = (args: string[], env: Record<string, string> = {}) =>
    promisify(execFile)(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "measure", "cli.ts"), ...args], {
      cwd: ROOT,
      env: { ...process.env, GEOCACHE_TOKEN: "", ...env },
      timeout: 30_000,
    });

  it("measures a URL with --token sent as a bearer token", async () => {
    const { server, authorizations } = await tokenRecorder();
    const out = join(scratch, "script");
    const { stdout } = await measureScript(["--url", server.url, "--token", "script-token", "--out", out, ...SHORT]);
    expect(stdout).toMatch(/^oc\s+strong\s+\d+/m);
    expect(new Set(authorizations)).toEqual(new Set(["Bearer script-token"]));
    const { report } = await readReport(out);
    expect(report.regions).toEqual(["weur", "oc"]);
  }, 30_000);

  it("takes a URL ending in / as the same origin", async () => {
    const out = join(scratch, "slash");
    const { stdout } = await measureScript(["--url", `${workerUrl()}/`, "--out", out, ...SHORT]);
    expect(stdout).toMatch(/^weur\s+strong\s+\d+/m);
  }, 30_000);

  it("sends the local worker it starts no $GEOCACHE_TOKEN, which names a deployment's token", async () => {
    const out = join(scratch, "local");
    const { stdout } = await measureScript(["--out", out, ...SHORT], { GEOCACHE_TOKEN: "a-deployment-token" });
    expect(stdout).toMatch(/^oc\s+strong\s+\d+/m);
  }, 60_000);

  it("reports a usage mistake with its usage, status 2", async () => {
    const failed = await measureScript(["--url", workerUrl(), "--keys", "none"]).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/^--keys must be a number from 1 to 100000, not "none"\n\nusage: npm run measure/);
  });
});
