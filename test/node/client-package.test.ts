import { execFile } from "node:child_process";
import { access, constants, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleLibrary, CLIENT_DIST } from "../../client/build/build-client";
import { uniqueKey, workerUrl } from "./client-helpers";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "geocache-client-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("the client package", () => {
  it("fails the library build when a Node built-in is imported, on either platform", async () => {
    for (const [name, source] of [
      ["prefixed", 'import { readFileSync } from "node:fs"; export const f = readFileSync;'],
      ["bare", 'import { Buffer } from "buffer"; export const b = Buffer;'],
    ] as const) {
      const entry = join(scratch, `${name}.ts`);
      await writeFile(entry, source);
      for (const platform of ["neutral", "browser"] as const) {
        await expect(bundleLibrary(entry, join(scratch, `${name}-${platform}.js`), platform)).rejects.toThrow(/Node built-in/);
      }
    }
  });

  it("builds an ESM bundle and a browser bundle with no Node built-in left in them", async () => {
    for (const file of ["index.js", "geocache.browser.js"]) {
      const code = await readFile(join(CLIENT_DIST, file), "utf8");
      expect(code).toMatch(/export\s*\{/);
      expect(code).toContain("GeoCache");
      expect(code).not.toMatch(/from\s*["'](node:|fs|http|buffer)/);
      expect(code).not.toMatch(/\brequire\(/);
    }
  });

  it("is importable by its name through the exports map, with type declarations, in plain Node", async () => {
    const declarations = await readFile(join(CLIENT_DIST, "index.d.ts"), "utf8");
    expect(declarations).toContain("GeoCache");
    expect(declarations).toContain("PreconditionFailedError");
    const key = uniqueKey("package");
    const script = `
      import { GeoCache, NotFoundError } from "geocache";
      const cache = new GeoCache({ url: process.env.GEOCACHE_URL });
      await cache.set(process.env.KEY, { via: "exports map" });
      const read = await cache.get(process.env.KEY, { consistency: "strong" });
      console.log(JSON.stringify({ value: read.value, notFound: typeof NotFoundError }));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      cwd: ROOT,
      env: { ...process.env, GEOCACHE_URL: workerUrl(), KEY: key },
    });
    expect(JSON.parse(stdout)).toEqual({ value: { via: "exports map" }, notFound: "function" });
  });

  it("has a bin that is an executable Node script", async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
    const bin = join(ROOT, manifest.bin["geocache"]!);
    await access(bin, constants.X_OK);
    expect((await readFile(bin, "utf8")).startsWith("#!/usr/bin/env node\n")).toBe(true);
  });
});
