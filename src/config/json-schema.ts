import { writeFile } from "node:fs/promises";
import * as z from "zod";
import { configSchema } from "./schema.js";

/** Where the published schema lives, relative to the repository (and package) root. */
export const SCHEMA_PATH = "schema/lambda-rollout.schema.json";

/**
 * The JSON Schema of lambda-rollout.yml, generated from the zod schema (input side: keys with defaults
 * are optional). Reference it from a config file for completion and checks in editors:
 * `# yaml-language-server: $schema=./node_modules/lambda-rollout/schema/lambda-rollout.schema.json`
 */
export function configJsonSchema(): Record<string, unknown> {
  // draft-07: the dialect editors' YAML and JSON language servers support most completely.
  const schema = z.toJSONSchema(configSchema, { io: "input", target: "draft-07", unrepresentable: "any" });
  return {
    ...schema,
    description:
      "Environments, traffic strategies and health gates for lambda-rollout. Each environment sets either `strategy` or `steps`, not both.",
  };
}

/** The file's exact text: stable key order, two-space indent, trailing newline. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

/** Writes the schema file under `root`; used by scripts/gen-schema.mjs. */
export async function writeJsonSchema(root: string): Promise<string> {
  const path = `${root.replace(/\/$/, "")}/${SCHEMA_PATH}`;
  await writeFile(path, renderJsonSchema());
  return path;
}
