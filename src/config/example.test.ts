import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { buildPlan } from "../plan/plan.js";
import { parseConfig } from "./parse.js";
import { type ResolvedEnvironment, resolveEnvironment } from "./resolve.js";

async function load(name: string) {
  const path = new URL(`../../examples/name-searcher/${name}`, import.meta.url);
  return parseConfig(await readFile(path, "utf8"), name);
}

function environmentFor(config: Awaited<ReturnType<typeof load>>, branch: string): ResolvedEnvironment {
  const resolution = resolveEnvironment(config, { branch });
  if (resolution.kind !== "environment") throw new Error(`${branch} is unmapped`);
  return resolution.environment;
}

describe("examples/name-searcher/lambda-rollout.yml", () => {
  it("is valid: main goes to production gradually, develop to staging at once", async () => {
    const config = await load("lambda-rollout.yml");
    const production = environmentFor(config, "main");
    const staging = environmentFor(config, "develop");
    expect(production.function).toBe("name-searcher-production");
    expect(buildPlan(production.plan).steps).toEqual([{ weight: 10, bakeMs: 300_000 }]);
    expect(buildPlan(staging.plan).steps).toEqual([]);
    expect(staging.smoke).toHaveLength(1);
    expect(resolveEnvironment(config, { branch: "feature/x" }).kind).toBe("noop");
  });
});

describe("examples/name-searcher/lambda-rollout.local.yml", () => {
  it("maps the same branches to the same functions and alarms; where, the smoke and the plan's length differ", async () => {
    const real = await load("lambda-rollout.yml");
    const local = await load("lambda-rollout.local.yml");
    for (const branch of ["main", "develop"]) {
      const a = environmentFor(real, branch);
      const b = environmentFor(local, branch);
      expect({
        ...b,
        region: a.region,
        artifact: a.artifact,
        smoke: a.smoke,
        intervalMs: a.intervalMs,
        plan: a.plan,
      }).toEqual(a);
      expect(b.smoke).toEqual([]);
      expect(b.artifact).toEqual({ bucket: "name-searcher-artifacts-local", prefix: "artifacts" });
    }
  });

  it("gives production a short local plan (a 10% canary, about a minute) and requires its gates", async () => {
    const local = environmentFor(await load("lambda-rollout.local.yml"), "main");
    const plan = buildPlan(local.plan);
    expect(plan.steps).toEqual([{ weight: 10, bakeMs: 30_000 }]);
    expect(plan.finalBakeMs).toBe(10_000);
    expect(local.intervalMs).toBe(5_000);
    expect(local.requireGates).toBe(true);
    expect(environmentFor(await load("lambda-rollout.yml"), "main").requireGates).toBe(true);
  });
});
