// Regenerates schema/lambda-rollout.schema.json from the zod schema in src/config/schema.ts.
// Usage: node scripts/gen-schema.mjs   (src/config/json-schema.test.ts fails when the file is stale)
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const result = await build({
  entryPoints: [`${root}src/config/json-schema.ts`],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  write: false,
  logLevel: "warning",
});
const code = result.outputFiles[0].text;
const module = await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
const path = await module.writeJsonSchema(root);
console.log(`wrote ${path}`);
