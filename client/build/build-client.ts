import { execFile } from "node:child_process";
import { chmod, mkdir, rm } from "node:fs/promises";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build, type Plugin } from "esbuild";

const CLIENT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = resolve(CLIENT, "..");

/** Where `npm run build:client` puts the package's files. */
export const CLIENT_DIST = join(ROOT, "dist", "client");

const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/**
 * An esbuild plugin that fails the build on any import of a Node built-in
 * (`node:fs`, `fs`, `buffer`, …): the library must run where there is none.
 *
 * @example await build({ entryPoints: ["client/src/index.ts"], bundle: true, plugins: [noNodeBuiltins()] });
 */
export function noNodeBuiltins(): Plugin {
  return {
    name: "no-node-builtins",
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, (args) => {
        if (!args.path.startsWith("node:") && !NODE_BUILTINS.has(args.path)) return undefined;
        return { errors: [{ text: `"${args.path}" is a Node built-in; the client library must use only Web APIs` }] };
      });
    },
  };
}

/**
 * Bundles the library, with nothing Node-only in it, for one platform.
 *
 * @example await bundleLibrary("client/src/index.ts", "dist/client/index.js", "neutral");
 */
export async function bundleLibrary(entry: string, outfile: string, platform: "neutral" | "browser", minify = false): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform,
    target: "es2022",
    minify,
    sourcemap: true,
    logLevel: "silent",
    plugins: [noNodeBuiltins()],
  });
}

/** Emits the library's type declarations beside its bundle, with the TypeScript compiler the project pins. */
async function emitDeclarations(outdir: string): Promise<void> {
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const args = ["-p", join(CLIENT, "tsconfig.json"), "--noEmit", "false", "--declaration", "--emitDeclarationOnly", "--outDir", outdir];
  try {
    await promisify(execFile)(process.execPath, [tsc, ...args], { cwd: ROOT });
  } catch (error) {
    const { stdout = "", message } = error as { stdout?: string; message: string };
    throw new Error(`type declarations failed: ${stdout || message}`);
  }
}

/**
 * Builds the `geocache` command for Node: `cli.js`, and `measure.js`, the
 * measurement that `geocache measure` imports only when it runs (code both
 * share goes into `chunk-*.js` beside them).
 *
 * @example await bundleCli("dist/client");
 */
export async function bundleCli(outdir: string): Promise<void> {
  await build({
    entryPoints: [
      { in: join(CLIENT, "cli", "main.ts"), out: "cli" },
      { in: join(CLIENT, "cli", "measure-command.ts"), out: "measure" },
    ],
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "silent",
  });
  await chmod(join(outdir, "cli.js"), 0o755);
}

/**
 * Builds the client package into `dist/client/`: `index.js` (ESM for every
 * runtime) with its `.d.ts` files, `geocache.browser.js` (minified, for a
 * page), and `cli.js` with `measure.js` (the `geocache` command, for Node).
 *
 * @example await buildClient({ declarations: false });
 */
export async function buildClient(options: { outdir?: string; declarations?: boolean } = {}): Promise<void> {
  const outdir = options.outdir ?? CLIENT_DIST;
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const library = join(CLIENT, "src", "index.ts");
  await Promise.all([
    bundleLibrary(library, join(outdir, "index.js"), "neutral"),
    bundleLibrary(library, join(outdir, "geocache.browser.js"), "browser", true),
    bundleCli(outdir),
  ]);
  if (options.declarations !== false) await emitDeclarations(outdir);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await buildClient();
  console.log(`built ${CLIENT_DIST}`);
}
