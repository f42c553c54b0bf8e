import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, join, parse, relative, resolve, sep } from "node:path";
import type { build as Build, Message, Metafile } from "esbuild";
import { InputError } from "../errors.js";
import { LAMBDA_RUNTIME } from "./runtime.js";
import type { ZipFile } from "./zip.js";

export interface BundleOptions {
  /** TypeScript or JavaScript entry that exports the handler function. */
  entry: string;
  /**
   * File name (without extension) of the bundle inside the package. The Lambda Handler setting is
   * `<handlerFile>.<export>`, so the default `handler` gives `handler.handler`.
   */
  handlerFile?: string;
  /**
   * The export the Handler setting names (`<handlerFile>.<exportName>`, default `handler`). The entry
   * must export it by that name: Lambda calls that export of the module and fails every invocation
   * ("handler is undefined or not exported") when there is none.
   */
  exportName?: string;
  /**
   * Module specifiers left out of the bundle and resolved at run time (e.g. `@aws-sdk/*` to use the
   * runtime's SDK). Default: nothing; see DEFAULT_EXTERNAL for why the SDK is bundled.
   */
  external?: readonly string[];
  /** Default true. Identifiers are kept (see below); whitespace and syntax are minified. */
  minify?: boolean;
  /** Adds `<handlerFile>.mjs.map`; run with NODE_OPTIONS=--enable-source-maps to use it. Default false. */
  sourcemap?: boolean;
}

/**
 * Decided by measurement (bench/package.mjs, "Packaging (issue 3)" in bench/RESULTS.md), for the
 * name-searcher example: with the SDK bundled the zip is ~148 KiB and a fresh process imports the
 * handler in ~0.25x the time of the same bundle loading `@aws-sdk/*` from node_modules (zip ~11 KiB)
 * and of the naive package (compiled JS + node_modules, ~3 MiB). Reading one file beats resolving
 * hundreds, 148 KiB is far below Lambda's limits, and bundling pins the SDK the tests ran against
 * (the runtime's copy changes without a deploy). So by default nothing is external.
 */
export const DEFAULT_EXTERNAL: readonly string[] = [];

export { LAMBDA_RUNTIME };

/** esbuild's target for a Lambda Node.js runtime: `nodejs22.x` → `node22`. */
export function esbuildTarget(runtime: string): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  if (major === undefined) throw new Error(`Not a Lambda Node.js runtime: ${runtime}`);
  return `node${major}`;
}

/**
 * ESM bundles that inline CommonJS modules need a real `require` for Node built-ins; esbuild's shim
 * throws "Dynamic require of ... is not supported" otherwise.
 */
const REQUIRE_SHIM =
  'import { createRequire as __lambdaRolloutCreateRequire } from "node:module";\n' +
  "const require = __lambdaRolloutCreateRequire(import.meta.url);";

/**
 * Bundles the entry into one ES module, `<handlerFile>.mjs`, for the LAMBDA_RUNTIME Lambda runtime.
 *
 * Why ESM with `.mjs`: the extension alone tells Lambda it is a module (no package.json needed in
 * the zip), ESM allows top-level await for init work, and esbuild can tree-shake the SDK's ESM builds.
 */
export async function bundle(options: BundleOptions): Promise<ZipFile[]> {
  const entry = resolve(options.entry);
  await assertEntryFile(options.entry, entry);
  const handlerFile = options.handlerFile ?? "handler";
  const root = projectRoot(entry);
  const outfile = join(root, ".lambda-rollout-bundle", `${handlerFile}.mjs`);
  const minify = options.minify ?? true;

  // Loaded here, not at module load: every CLI start (deploy included) would pay ~20 ms for it.
  const { build } = await import("esbuild");
  let result: Awaited<ReturnType<typeof Build>>;
  try {
    result = await build({
      entryPoints: [entry],
      // Paths esbuild writes into the output (comments, source map) are relative to this directory,
      // so the bytes do not depend on where the checkout lives.
      absWorkingDir: root,
      outfile,
      write: false,
      bundle: true,
      platform: "node",
      // The syntax of the runtime the package is for; a node22 bundle runs on nodejs24.x as well.
      target: esbuildTarget(LAMBDA_RUNTIME),
      format: "esm",
      // Prefer the ESM builds (`module`) of dependencies such as the AWS SDK: they tree-shake.
      mainFields: ["module", "main"],
      external: [...(options.external ?? DEFAULT_EXTERNAL)],
      banner: { js: REQUIRE_SHIM },
      // Identifiers stay readable: stack traces in CloudWatch name real functions without needing
      // --enable-source-maps (which slows every cold start). Costs a few KB of zip.
      minifyWhitespace: minify,
      minifySyntax: minify,
      minifyIdentifiers: false,
      sourcemap: options.sourcemap ? "external" : false,
      legalComments: "eof",
      charset: "utf8",
      logLevel: "silent",
      // Lists the output's exports, so a missing handler export is found here rather than by Lambda.
      metafile: true,
    });
  } catch (error) {
    throw new InputError(`Cannot bundle ${options.entry}: ${esbuildMessage(error)}`, {
      cause: error,
      hint: "Fix the error above in the entry or its imports, then run `lambda-rollout package` again.",
    });
  }

  assertExports(result.metafile, relative(root, outfile).split(sep).join("/"), options);
  const outDir = dirname(outfile);
  return (result.outputFiles ?? [])
    .map((file) => ({ path: relative(outDir, file.path).split(sep).join("/"), bytes: file.contents }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The bundle must export the function the Handler setting names. */
function assertExports(metafile: Metafile | undefined, output: string, options: BundleOptions): void {
  const exported = metafile?.outputs[output]?.exports;
  if (exported === undefined) return;
  const name = options.exportName ?? "handler";
  if (exported.includes(name)) return;
  const handler = `${options.handlerFile ?? "handler"}.${name}`;
  const found = exported.filter((e) => e !== "default");
  const other = found.length === 1 ? found[0] : undefined;
  throw new InputError(
    `${options.entry} ${exported.length > 0 ? `exports ${exported.join(", ")}` : "exports nothing"}, not ${name}: Lambda's Handler ${handler} calls the export "${name}", so every invocation would fail.`,
    {
      hint: other
        ? `Export the function as \`${name}\` (export const ${name} = …), or keep \`${other}\` and pass --handler ${options.handlerFile ?? "handler"}.${other} (then set the function's Handler to the same).`
        : `Export the function as \`${name}\` (export const ${name} = async (event) => …), or name the export you have with --handler FILE.EXPORT.`,
    },
  );
}

async function assertEntryFile(given: string, absolute: string): Promise<void> {
  try {
    const info = await stat(absolute);
    if (info.isFile()) return;
    throw new InputError(`Entry is not a file: ${given}`, {
      hint: "Pass the handler's source file to --entry, e.g. src/handler.ts.",
    });
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      code === "ENOENT" ? `Entry not found: ${given}` : `Cannot read entry ${given} (${code ?? "error"}).`,
      { cause: error, hint: "Pass the handler's source file to --entry, e.g. src/handler.ts." },
    );
  }
}

/** The nearest directory above the entry holding a package.json; else the entry's own directory. */
function projectRoot(entry: string): string {
  const start = dirname(entry);
  let current = start;
  while (true) {
    if (existsSync(join(current, "package.json"))) return current;
    const parent = dirname(current);
    if (parent === current || current === parse(current).root) return start;
    current = parent;
  }
}

function esbuildMessage(error: unknown): string {
  const errors = (error as { errors?: Message[] }).errors;
  if (Array.isArray(errors) && errors.length > 0) {
    return errors
      .map((message) => {
        const where = message.location
          ? `${message.location.file}:${message.location.line}:${message.location.column}: `
          : "";
        return `${where}${message.text}`;
      })
      .join("\n");
  }
  return error instanceof Error ? error.message : String(error);
}
