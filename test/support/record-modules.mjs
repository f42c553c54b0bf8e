// Preloaded with NODE_OPTIONS=--import=<this file> RECORD_MODULES_TO=<file>: appends the URL of every
// module the process loads through the ESM loader (the CLI's bundle and chunks, external packages such
// as esbuild, node: built-ins) to that file, one per line. test/cli/cli-bundle.test.ts reads it.
import { register } from "node:module";

const file = process.env.RECORD_MODULES_TO;
if (file) register(new URL("./record-modules-hooks.mjs", import.meta.url), { data: file });
