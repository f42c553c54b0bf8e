import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./parse.js";
import { resolveEnvironment } from "./resolve.js";

const EXAMPLE = `version: 1
defaults:
  artifact: { bucket: "myapp-artifacts-{region}" }
environments:
  production:
    functions:
      - { function: orders-get, zip: dist/orders-get.zip }
      - { function: orders-put, zip: dist/orders-put.zip, alarms: [orders-put-errors] }
      - { function: orders-get, zip: dist/orders-get.zip, region: us-east-1 }
    region: eu-west-1
    strategy: Canary10Percent5Minutes
    alarms: [api-5xx]
    waves:
      - { regions: [eu-west-1], bake: 10m }
      - { regions: [us-east-1] }
    branches: [main]
`;

function problemsOf(text: string): readonly string[] {
  try {
    parseConfig(text, "x.yml");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const withFunctions = (items: string, extra = "") =>
  `version: 1\ndefaults: { artifact: { bucket: b } }\nenvironments:\n  prod:\n    region: eu-west-1\n    functions:\n${items}${extra}`;

describe("a release environment (functions:)", () => {
  it("resolves the issue's example: zips beside the file, {region} per function, one name in two regions", () => {
    const config = parseConfig(EXAMPLE, "lambda-rollout.yml");
    const resolution = resolveEnvironment(config, { env: "production", baseDir: "/repo/deploy" });
    if (resolution.kind !== "environment") throw new Error("expected an environment");
    const release = resolution.environment.release;
    expect(resolution.environment.function).toBeUndefined();
    expect(release?.functions.map((f) => [f.function, f.region, f.zip, f.artifact.bucket])).toEqual([
      ["orders-get", "eu-west-1", "/repo/deploy/dist/orders-get.zip", "myapp-artifacts-eu-west-1"],
      ["orders-put", "eu-west-1", "/repo/deploy/dist/orders-put.zip", "myapp-artifacts-eu-west-1"],
      ["orders-get", "us-east-1", "/repo/deploy/dist/orders-get.zip", "myapp-artifacts-us-east-1"],
    ]);
    // An item's own key wins over the environment's.
    expect(release?.functions.map((f) => f.alarms)).toEqual([
      ["api-5xx"],
      ["orders-put-errors"],
      ["api-5xx"],
    ]);
    expect(release?.waves).toEqual([
      { regions: ["eu-west-1"], bakeMs: 600_000 },
      { regions: ["us-east-1"], bakeMs: 0 },
    ]);
  });

  it("without waves, one wave of everything", () => {
    const config = parseConfig(withFunctions("      - { function: a, zip: a.zip }\n"), "x.yml");
    const resolution = resolveEnvironment(config, { env: "prod" });
    if (resolution.kind !== "environment") throw new Error("expected an environment");
    expect(resolution.environment.release?.waves).toEqual([{ regions: undefined, bakeMs: 0 }]);
  });

  it("an ARN's region wins over the environment's default region", () => {
    const config = parseConfig(
      withFunctions("      - { function: 'arn:aws:lambda:us-east-1:123456789012:function:a', zip: a.zip }\n"),
      "x.yml",
    );
    const resolution = resolveEnvironment(config, { env: "prod" });
    if (resolution.kind !== "environment") throw new Error("expected an environment");
    expect(resolution.environment.release?.functions[0]).toMatchObject({
      function: "a",
      region: "us-east-1",
    });
  });

  it.each([
    [
      "a region in no wave",
      withFunctions(
        "      - { function: a, zip: a.zip }\n      - { function: a, zip: a.zip, region: us-east-1 }\n",
        "    waves: [{ regions: [eu-west-1] }]\n",
      ),
      "environments.prod.functions[1]: its region us-east-1 is in no wave; add us-east-1 to a wave's regions, or remove the function.",
    ],
    [
      "the same function twice in one region",
      withFunctions("      - { function: a, zip: a.zip }\n      - { function: a, zip: b.zip }\n"),
      "environments.prod.functions[1]: a in eu-west-1 is already listed as functions[0]; list each function once per region.",
    ],
    [
      "a region in two waves",
      withFunctions(
        "      - { function: a, zip: a.zip }\n",
        "    waves: [{ regions: [eu-west-1] }, { regions: [eu-west-1] }]\n",
      ),
      "environments.prod.waves[1].regions[0]: eu-west-1 is already in waves[0]; a region ships in one wave.",
    ],
    [
      "a wave region without functions",
      withFunctions(
        "      - { function: a, zip: a.zip }\n",
        "    waves: [{ regions: [eu-west-1, us-west-2] }]\n",
      ),
      "environments.prod.waves[0].regions[1]: no function of the release runs in us-west-2; remove it or fix the functions' regions.",
    ],
    [
      "function and functions together",
      withFunctions("      - { function: a, zip: a.zip }\n", "    function: b\n"),
      'environments.prod: both "function" and "functions" are set; use "function" for one function or "functions" for a release.',
    ],
    [
      "waves without a release",
      "version: 1\nenvironments:\n  prod: { function: a, waves: [{ regions: [eu-west-1] }] }\n",
      'environments.prod.waves: waves need a release; list the functions under "functions".',
    ],
    [
      "a release-wide key on one function",
      withFunctions("      - { function: a, zip: a.zip, strategy: AllAtOnce }\n"),
      "environments.prod.functions[0].strategy: unknown key",
    ],
    [
      "a missing zip",
      withFunctions("      - { function: a }\n"),
      "environments.prod.functions[0].zip: missing",
    ],
  ])("%s is refused, naming its key path", (_name, text, problem) => {
    expect(problemsOf(text).some((line) => line.startsWith(problem))).toBe(true);
  });
});

describe("examples/release/lambda-rollout.yml", () => {
  it("is the issue's release: three functions, two regions, two waves", async () => {
    const { readFile } = await import("node:fs/promises");
    const text = await readFile(
      new URL("../../examples/release/lambda-rollout.yml", import.meta.url),
      "utf8",
    );
    const resolution = resolveEnvironment(parseConfig(text, "lambda-rollout.yml"), { env: "production" });
    if (resolution.kind !== "environment") throw new Error("expected an environment");
    expect(resolution.environment.release?.functions.map((f) => `${f.function}@${f.region}`)).toEqual([
      "orders-get@eu-west-1",
      "orders-put@eu-west-1",
      "orders-get@us-east-1",
    ]);
  });
});
