import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parseConfig } from "./parse.js";
import { resolveEnvironment } from "./resolve.js";

describe("examples/name-searcher/lambda-rollout.yml", () => {
  it("is valid: main goes to production gradually, develop to staging at once", async () => {
    const path = new URL("../../examples/name-searcher/lambda-rollout.yml", import.meta.url);
    const config = parseConfig(await readFile(path, "utf8"), "lambda-rollout.yml");
    const production = resolveEnvironment(config, { branch: "main" });
    const staging = resolveEnvironment(config, { branch: "develop" });
    if (production.kind !== "environment" || staging.kind !== "environment") throw new Error("unmapped");
    expect(production.environment.function).toBe("name-searcher-production");
    expect(production.environment.plan.steps).toEqual([{ weight: 10, bakeMs: 300_000 }]);
    expect(staging.environment.plan.steps).toEqual([]);
    expect(staging.environment.smoke).toHaveLength(1);
    expect(resolveEnvironment(config, { branch: "feature/x" }).kind).toBe("noop");
  });
});
