// Bundles the CLI into one ESM file. Loading ~900 small files of the AWS SDK and zod one by one costs
// ~300 ms at every start; one file loads in a third of that (bench/RESULTS.md, deploy overhead).
// esbuild stays external: it ships a native binary that `lambda-rollout package` runs.
import { build } from "esbuild";

await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/cli.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  external: ["esbuild"],
  sourcemap: "linked",
  // CommonJS dependencies inside the bundle still call require().
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: "warning",
});
