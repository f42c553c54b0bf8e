import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { configJsonSchema, renderJsonSchema, SCHEMA_PATH } from "./json-schema.js";

const root = new URL("../../", import.meta.url);

describe("published JSON Schema", () => {
  it("is up to date with the zod schema (run `node scripts/gen-schema.mjs` when this fails)", async () => {
    const committed = await readFile(new URL(SCHEMA_PATH, root), "utf8");
    expect(committed).toBe(renderJsonSchema());
  });

  it("describes environments strictly, with presets and defaults for editors", () => {
    const schema = configJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: { environments: { additionalProperties: Record<string, unknown> } };
    };
    expect(schema.required).toEqual(["version", "environments"]);
    expect(schema.additionalProperties).toBe(false);
    const environment = schema.properties.environments.additionalProperties as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { enum?: string[]; default?: string }>;
    };
    expect(environment.required).toBeUndefined();
    expect((environment as { oneOf?: unknown }).oneOf).toEqual([
      { required: ["function"] },
      { required: ["functions"] },
    ]);
    expect(environment.additionalProperties).toBe(false);
    expect(environment.properties.strategy?.enum).toContain("Canary10Percent5Minutes");
    expect(environment.properties.alias?.default).toBe("live");
  });
});
