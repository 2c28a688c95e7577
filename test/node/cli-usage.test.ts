import { afterEach, describe, expect, it } from "vitest";
import { apiError, closeTestServers, runCli, startTestServer, uniqueKey } from "./client-helpers";

const COMMANDS = ["get", "set", "del", "incr", "mget", "regions", "health"];

afterEach(closeTestServers);

/** Exactly one line on stderr, nothing on stdout. */
function expectOneLineError(run: { stdout: Buffer; stderr: string }, pattern: RegExp): void {
  expect(run.stdout.length).toBe(0);
  expect(run.stderr.endsWith("\n")).toBe(true);
  expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(run.stderr.trimEnd()).toMatch(pattern);
}

describe("geocache --help", () => {
  it("describes every command, and the CLI as a whole", async () => {
    const runs = await Promise.all(COMMANDS.map((command) => runCli([command, "--help"])));
    for (const [i, run] of runs.entries()) {
      expect(run.code).toBe(0);
      expect(run.stdout.toString()).toMatch(new RegExp(`^Usage: geocache ${COMMANDS[i]}\\b`));
      // Only the commands that read take a read mode.
      expect(run.stdout.toString().includes("--consistency <mode>"), COMMANDS[i]).toBe(["get", "mget"].includes(COMMANDS[i]!));
    }
    const overview = await runCli(["--help"]);
    expect(overview.code).toBe(0);
    for (const command of COMMANDS) expect(overview.stdout.toString()).toContain(`  ${command} `);
    expect((await runCli(["-h", "get"])).stdout.toString()).toMatch(/^Usage: geocache get/);
  });

  it("prints the overview on stderr with status 2 when no command is given", async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Usage: geocache <command>/);
  });
});

describe("mistakes: one line on stderr, status 2", () => {
  it.each([
    [["fetch", "k"], /^geocache: unknown command "fetch"/],
    [["get", "k", "--bogus"], /^geocache: Unknown option '--bogus'/],
    [["get", "k", "--file", "x"], /^geocache get: does not take --file \(see "geocache get --help"\)/],
    [["get"], /^geocache get: missing <key>/],
    [["get", "a", "b"], /^geocache get: unexpected argument "b"/],
    [["get", "k", "--consistency", "weird"], /--consistency must be one of strong, eventual, bounded, session/],
    [["set", "k", "v", "--ttl", "soon"], /^geocache set: --ttl must be a number above 0 and at most 31536000, not "soon"/],
    [["set", "k", "v", "--ttl", "0"], /^geocache set: --ttl must be a number above 0/],
    [["set", "k", "v", "--consistency", "strong"], /^geocache set: does not take --consistency/],
    [["get", "k", "--max-wait", "10000"], /^geocache get: --max-wait must be an integer at least 0 and at most 5000, not "10000"/],
    [["get", "k", "--max-staleness", "1.5"], /^geocache get: --max-staleness must be an integer/],
    [["get", "."], /^geocache get: "\." is not a key: a URL path cannot carry it/],
    [["set", "..", "v"], /^geocache set: "\.\." is not a key/],
    [["set", "k", "v", "--file", "/nonexistent"], /^geocache set: give the value as an argument or --file, not both/],
    [["set", "k", "--file", "/nonexistent/value"], /^geocache set: cannot read --file \/nonexistent\/value: ENOENT/],
    [["incr", "k", "1.5"], /^geocache incr: the amount must be an integer/],
    [["incr", "k", "0x10"], /^geocache incr: the amount must be an integer/],
    [["set", "k", "v", "--ttl", "1e3"], /^geocache set: --ttl must be a number/],
    [["get", "k", "--min-version", "0b11"], /^geocache get: --min-version must be an integer/],
    [["health", "--url", "not a url"], /^geocache health: --url "not a url" is not a URL/],
  ])("%j", async (args, pattern) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expectOneLineError(run, pattern);
  });
});

describe("failures: one line on stderr, status 1", () => {
  it("says the service cannot be reached, and why", async () => {
    const closed = await startTestServer();
    const url = closed.url;
    await closed.close();
    const run = await runCli(["health", "--url", url, "--timeout", "2000"]);
    expect(run.code).toBe(1);
    expectOneLineError(run, new RegExp(`^geocache health: could not reach ${url}.*ECONNREFUSED`));
  });

  it("reports the API's error with its status and code", async () => {
    const run = await runCli(["get", uniqueKey("cli"), "--region", "mars"]);
    expect(run.code).toBe(1);
    expectOneLineError(run, /^geocache get: .*mars.* \(HTTP 400 invalid_region\)$/);
  });

  it("says which version a refused conditional write found", async () => {
    const server = await startTestServer(() => apiError(412, "precondition_failed", { currentVersion: 4 }));
    const run = await runCli(["set", "k", "v", "--if-match", "3", "--url", server.url]);
    expect(run.code).toBe(1);
    expectOneLineError(run, /^geocache set: precondition failed: the key is at version 4$/);
    expect(server.seen[0]?.headers["if-match"]).toBe('"3"');
  });
});
