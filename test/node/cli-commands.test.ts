import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeTestServers, runCli, sleep, startTestServer, uniqueKey, workerUrl } from "./client-helpers";

const REGIONS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"];

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "geocache-cli-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});
afterEach(closeTestServers);

function json(stdout: Buffer): Record<string, unknown> {
  return JSON.parse(stdout.toString("utf8")) as Record<string, unknown>;
}

describe("geocache commands against the worker", () => {
  it("set from an argument prints the version; get prints the value, or all of it with --json", async () => {
    const key = uniqueKey("cli-text");
    expect(await runCli(["set", key, "hello"])).toMatchObject({ code: 0, stderr: "" });
    const again = await runCli(["set", key, "hello ü"]);
    expect(again.stdout.toString()).toBe("2\n");

    const get = await runCli(["get", key, "--consistency", "strong"]);
    expect(get).toMatchObject({ code: 0, stderr: "" });
    expect(get.stdout.toString("utf8")).toBe("hello ü");

    const described = await runCli(["get", key, "--json", "--consistency", "strong", "--region", "oc"]);
    expect(json(described.stdout)).toMatchObject({
      key,
      value: "hello ü",
      version: 2,
      servedBy: "primary",
      stalenessMs: 0,
      contentType: "text/plain; charset=utf-8",
    });
    const eventual = await runCli(["--region", "afr", "get", key, "--json"]);
    expect(json(eventual.stdout)).toMatchObject({ key, region: "afr" });
  });

  it("head prints a key's size, version and provenance, one line each or as JSON, and exits 1 for a missing key", async () => {
    const key = uniqueKey("cli-head");
    const file = join(scratch, "head.bin");
    await writeFile(file, Buffer.alloc(2_048, 1));
    expect(await runCli(["set", key, "--file", file, "--ttl", "3600"])).toMatchObject({ code: 0 });

    const head = await runCli(["head", key, "--consistency", "strong"]);
    expect(head).toMatchObject({ code: 0, stderr: "" });
    const lines = head.stdout.toString("utf8").trimEnd().split("\n");
    // A strong read names the primary's region, where the key was first written.
    expect(REGIONS.map((region) => `region: ${region}`)).toContain(lines[4]);
    expect([...lines.slice(0, 4), ...lines.slice(5, 7)]).toEqual([
      "size: 2048",
      "version: 1",
      "content-type: application/octet-stream",
      "served-by: primary",
      "consistency: strong",
      "staleness-ms: 0",
    ]);
    expect(lines[7]).toMatch(/^expires-at: \d{4}-\d\d-\d\dT/);

    const described = json((await runCli(["head", key, "--json", "--region", "afr"])).stdout);
    expect(described).toMatchObject({ key, size: 2_048, version: 1, region: "afr" });
    expect(described).not.toHaveProperty("value");

    const missing = await runCli(["head", uniqueKey("cli-head-missing")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.toString()).toContain("not found");
  });

  it("set reads --file and standard input as bytes, and get writes them back unchanged", async () => {
    const key = uniqueKey("cli-bytes");
    const bytes = Buffer.from(Array.from({ length: 3_000 }, (_, i) => (i * 7) % 256));
    const file = join(scratch, "value.bin");
    await writeFile(file, bytes);
    expect(await runCli(["set", key, "--file", file])).toMatchObject({ code: 0 });
    const read = await runCli(["get", key, "--consistency", "strong"]);
    expect(read.stdout.equals(bytes)).toBe(true);
    const described = json((await runCli(["get", key, "--json", "--consistency", "strong"])).stdout);
    expect(described).toMatchObject({ contentType: "application/octet-stream", encoding: "base64" });
    expect(Buffer.from(described["value"] as string, "base64").equals(bytes)).toBe(true);

    const piped = await runCli(["set", key, "--content-type", "application/json", "--json"], { input: '{"piped":true}' });
    expect(json(piped.stdout)).toEqual({ key, version: 2, expiresAt: null });
    expect(json((await runCli(["get", key, "--json", "--consistency", "strong"])).stdout)).toMatchObject({ value: { piped: true } });
  });

  it("del deletes, and a second del exits 1 saying the key is not there", async () => {
    const key = uniqueKey("cli-del");
    await runCli(["set", key, "x"]);
    expect(await runCli(["del", key])).toMatchObject({ code: 0, stderr: "" });
    const again = await runCli(["del", key]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`geocache del: key "${key}" not found\n`);
    const get = await runCli(["get", key]);
    expect(get).toMatchObject({ code: 1, stderr: `geocache get: key "${key}" not found\n` });
    expect(get.stdout.length).toBe(0);
  });

  it("incr prints the counter; mget prints a line per key, (nil) where missing", async () => {
    const counter = uniqueKey("cli-counter");
    expect((await runCli(["incr", counter])).stdout.toString()).toBe("1\n");
    expect((await runCli(["incr", counter, "5"])).stdout.toString()).toBe("6\n");
    expect((await runCli(["incr", counter, "--", "-2"])).stdout.toString()).toBe("4\n");
    expect(json((await runCli(["incr", counter, "--by=-1", "--json"])).stdout)).toEqual({ key: counter, value: 3, version: 4 });

    const text = uniqueKey("cli-mget");
    const missing = uniqueKey("cli-missing");
    await runCli(["set", text, "two words"]);
    const lines = await runCli(["mget", text, missing, counter, "--consistency", "strong"]);
    expect(lines.stdout.toString()).toBe(`${text}\ttwo words\n${missing}\t(nil)\n${counter}\t3\n`);
    const all = JSON.parse((await runCli(["mget", text, missing, "--json", "--consistency", "strong"])).stdout.toString());
    expect(all).toMatchObject([{ key: text, value: "two words", version: 1 }, { key: missing, value: null }]);
  });

  it("set --ttl expires the value; --if-none-match refuses to overwrite; get --min-version waits for it", async () => {
    const kept = uniqueKey("cli-kept");
    await runCli(["set", kept, "first"]);
    const refused = await runCli(["set", kept, "again", "--if-none-match"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("geocache set: precondition failed: the key is at version 1\n");
    expect((await runCli(["del", kept])).code).toBe(0);
    const gone = await runCli(["set", kept, "again", "--if-match", "1"]);
    expect([gone.code, gone.stderr]).toEqual([1, "geocache set: precondition failed: the key does not exist (deleted or expired at version 2); --if-none-match writes it anew\n"]);

    const key = uniqueKey("cli-ttl");
    const written = await runCli(["set", key, "brief", "--ttl", "2", "--json"]);
    expect(written.code).toBe(0);
    const { expiresAt } = json(written.stdout) as { expiresAt: number };
    expect(expiresAt).toBeGreaterThan(Date.now());
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 2_000);
    const described = json((await runCli(["get", key, "--json", "--min-version", "1", "--max-wait", "100"])).stdout);
    expect(described).toMatchObject({ value: "brief", version: 1 });
    expect(described["expiresAt"]).toBe(expiresAt);
    await sleep((described["expiresAt"] as number) - Date.now() + 100);
    expect((await runCli(["get", key, "--consistency", "strong"])).code).toBe(1);
  });

  it("regions marks the nearest; health says ok; both as JSON too", async () => {
    const regions = await runCli(["regions", "--region", "sam"]);
    expect(regions.stdout.toString().trim().split("\n")).toEqual(REGIONS.map((r) => (r === "sam" ? "sam\t(nearest)" : r)));
    expect(json((await runCli(["regions", "--json"])).stdout)["regions"]).toEqual(REGIONS);
    expect((await runCli(["health", "--region", "oc"])).stdout.toString()).toBe("ok (region oc)\n");
    expect(json((await runCli(["health", "--json"])).stdout)).toMatchObject({ status: "ok" });
  });

  it("takes --url over GEOCACHE_URL, and sends --token (else GEOCACHE_TOKEN) as a bearer token", async () => {
    const server = await startTestServer();
    const viaFlag = await runCli(["health", "--url", server.url, "--token", "flag-token"], { env: { GEOCACHE_URL: "http://127.0.0.1:9" } });
    expect(viaFlag.code).toBe(0);
    const viaEnv = await runCli(["health"], { env: { GEOCACHE_URL: server.url, GEOCACHE_TOKEN: "env-token" } });
    expect(viaEnv.code).toBe(0);
    expect(server.seen.map((request) => request.headers["authorization"])).toEqual(["Bearer flag-token", "Bearer env-token"]);
    expect(workerUrl()).not.toBe(server.url);
  });
});
