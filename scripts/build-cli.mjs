// Bundles the CLI into dist/cli.mjs (the entry bin/lambda-rollout.js loads) and chunks beside it in
// dist/cli-chunks/. Loading ~900 small files of the AWS SDK and zod one by one costs ~300 ms at every
// start; a few bundled files load in a third of that (bench/RESULTS.md, deploy overhead). Split, because
// each command is imported only when it runs (src/cli/program.ts): `--help` and `deploy` do not parse the
// emulator, the worker runtime or the DynamoDB and IAM clients that `rehearse` needs.
// esbuild stays external: it ships a native binary that `lambda-rollout package` runs.
//   node scripts/build-cli.mjs
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * @param {{ outdir?: string, write?: boolean }} [options] where to write (default dist/), or, with
 *   `write: false`, nothing: the outputs and the metafile are returned (test/cli/cli-bundle.test.ts).
 */
export async function buildCli({ outdir = "dist", write = true } = {}) {
  // Chunk names carry a content hash: without this, the chunks of earlier builds would pile up (and ship).
  if (write) await rm(resolve(root, outdir, "cli-chunks"), { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { cli: "src/cli/main.ts" },
    outdir,
    outExtension: { ".js": ".mjs" },
    chunkNames: "cli-chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    platform: "node",
    target: "node20",
    format: "esm",
    external: ["esbuild"],
    // The SDK's ES modules rather than its CommonJS: esbuild can drop what is unused, and the
    // credential providers the SDK imports only when its chain reaches them become chunks of their own
    // (CommonJS `require` would have put them all in what deploy parses). 3.1 MB → 2.3 MB for deploy.
    mainFields: ["module", "main"],
    sourcemap: "linked",
    // CommonJS dependencies inside the bundle still call require(); every chunk gets its own.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    metafile: true,
    write,
    logLevel: "warning",
  });
  if (write) await removeUnreachable(result.metafile, resolve(root, outdir, "cli.mjs"));
  return result;
}

/**
 * esbuild can emit a chunk for a dynamic import it later finds dead (the SDK's browser-only `bowser`):
 * nothing loads it, so it must not ship. Keeps what the entry reaches through its imports.
 */
async function removeUnreachable(metafile, entry) {
  const outputs = metafile.outputs;
  const byPath = new Map(Object.keys(outputs).map((path) => [resolve(root, path), path]));
  const reached = new Set();
  const queue = [byPath.get(entry)];
  while (queue.length > 0) {
    const path = queue.pop();
    if (path === undefined || reached.has(path)) continue;
    reached.add(path);
    for (const imported of outputs[path]?.imports ?? []) {
      if (!imported.external) queue.push(byPath.get(resolve(root, imported.path)) ?? imported.path);
    }
  }
  for (const path of Object.keys(outputs)) {
    const script = path.endsWith(".map") ? path.slice(0, -".map".length) : path;
    if (!reached.has(script)) await rm(resolve(root, path), { force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildCli();
}
