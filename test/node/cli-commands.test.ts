import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCli, startTestServer, uniqueKey, workerUrl, type TestServer } from "./client-helpers";

const REGIONS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"];

let scratch: string;
let server: TestServer | undefined;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "geocache-cli-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

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
    expect(json(piped.stdout)).toEqual({ key, version: 2 });
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

  it("regions marks the nearest; health says ok; both as JSON too", async () => {
    const regions = await runCli(["regions", "--region", "sam"]);
    expect(regions.stdout.toString().trim().split("\n")).toEqual(REGIONS.map((r) => (r === "sam" ? "sam\t(nearest)" : r)));
    expect(json((await runCli(["regions", "--json"])).stdout)["regions"]).toEqual(REGIONS);
    expect((await runCli(["health", "--region", "oc"])).stdout.toString()).toBe("ok (region oc)\n");
    expect(json((await runCli(["health", "--json"])).stdout)).toMatchObject({ status: "ok" });
  });

  it("takes --url over GEOCACHE_URL, and sends --token (else GEOCACHE_TOKEN) as a bearer token", async () => {
    server = await startTestServer();
    const viaFlag = await runCli(["health", "--url", server.url, "--token", "flag-token"], { env: { GEOCACHE_URL: "http://127.0.0.1:9" } });
    expect(viaFlag.code).toBe(0);
    const viaEnv = await runCli(["health"], { env: { GEOCACHE_URL: server.url, GEOCACHE_TOKEN: "env-token" } });
    expect(viaEnv.code).toBe(0);
    expect(server.seen.map((request) => request.headers["authorization"])).toEqual(["Bearer flag-token", "Bearer env-token"]);
    expect(workerUrl()).not.toBe(server.url);
  });
});
