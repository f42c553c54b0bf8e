import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { ConfigError, loadConfig, parseConfig } from "./parse.js";

/** The problems parseConfig reports for `text`, one line each. */
function problemsOf(text: string): readonly string[] {
  try {
    parseConfig(text, "lambda-rollout.yml");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

const env = (body: string) => `version: 1\nenvironments:\n  production:\n    function: fn\n${body}`;

describe("parseConfig accepts", () => {
  it("a minimal YAML file; alias and gates come later from defaults", () => {
    const config = parseConfig("version: 1\nenvironments:\n  prod:\n    function: fn\n", "x.yml");
    expect(config).toEqual({ version: 1, environments: { prod: { function: "fn" } } });
  });

  it("a preset strategy with every gate", () => {
    const config = parseConfig(
      `# yaml-language-server: $schema=./schema/lambda-rollout.schema.json
version: 1
defaults:
  region: eu-west-1
  artifact: { bucket: deploys, prefix: lambda }
  interval: 30s
environments:
  production:
    function: name-searcher
    alias: live
    strategy: Canary10Percent5Minutes
    finalBake: 5m
    alarms: [name-searcher-errors, name-searcher-latency]
    alarmReadFailure: ignore
    smoke:
      - payload: { queryStringParameters: { q: ada } }
        expect: { statusCode: 200, body: { results: [{ name: Ada }] }, functionError: false }
      - payload: '{"ping":true}'
    metrics:
      errorRate: { max: 1, maxRelativeToStable: 2 }
      throttles: { max: 0 }
      duration: { stat: p99, max: 800, maxRelativeToStable: 1.5 }
      minInvocations: 50
      inconclusive: fail
      maxExtension: 10m
      consecutiveFailures: 2
      reportOnly: true
    branches: [main, "release/*"]
`,
      "lambda-rollout.yml",
    );
    expect(config.defaults?.artifact).toEqual({ bucket: "deploys", prefix: "lambda" });
    expect(config.environments.production?.strategy).toBe("Canary10Percent5Minutes");
    expect(config.environments.production?.smoke?.[0]?.expect?.body).toEqual({ results: [{ name: "Ada" }] });
    expect(config.environments.production?.metrics?.duration?.stat).toBe("p99");
  });

  it("steps as a string and as a list", () => {
    const config = parseConfig(
      `version: 1
environments:
  a: { function: fa, steps: "10%:5m, 50%:1h" }
  b: { function: fb, steps: [{ weight: 25, duration: 30s }, { weight: 50.5, duration: 2m }] }
`,
      "x.yml",
    );
    expect(config.environments.a?.steps).toBe("10%:5m, 50%:1h");
    expect(config.environments.b?.steps).toEqual([
      { weight: 25, duration: "30s" },
      { weight: 50.5, duration: "2m" },
    ]);
  });

  it("JSON, including a $schema key", () => {
    const json = JSON.stringify({
      $schema: "./schema/lambda-rollout.schema.json",
      version: 1,
      environments: { staging: { function: "fn", strategy: "AllAtOnce", branches: ["develop"] } },
    });
    expect(parseConfig(json, "lambda-rollout.json").environments.staging?.branches).toEqual(["develop"]);
  });
});

describe("parseConfig rejects, naming key, value and what is allowed", () => {
  it("an unknown preset, suggesting the near one", () => {
    expect(problemsOf(env("    strategy: Canary10Percent5Minute\n"))).toEqual([
      'environments.production.strategy: "Canary10Percent5Minute" is not allowed; did you mean "Canary10Percent5Minutes"? Allowed: "AllAtOnce", "Canary10Percent5Minutes", "Canary10Percent10Minutes", "Canary10Percent15Minutes", "Canary10Percent30Minutes", "Linear10PercentEvery1Minute", "Linear10PercentEvery2Minutes", "Linear10PercentEvery3Minutes", "Linear10PercentEvery10Minutes".',
    ]);
  });

  it("a misspelt key", () => {
    expect(problemsOf(env("    stratgy: AllAtOnce\n"))).toEqual([
      'environments.production.stratgy: unknown key; did you mean "strategy"? Allowed keys: function, functions, waves, alias, region, artifact, ledger, strategy, steps, finalBake, interval, alarms, alarmReadFailure, alarmsAlreadyFiring, prune, managedInstances, smoke, metrics, notify, hooks, manualApproval, approvalTimeout, requireGates, engine, stateMachine, branches.',
    ]);
  });

  it("an unknown top-level key and a wrong version", () => {
    expect(problemsOf("version: 2\nenvironment: {}\nenvironments: { p: { function: f } }\n")).toEqual([
      "version: 2 is not allowed; use 1.",
      'environment: unknown key; did you mean "environments"? Allowed keys: $schema, version, defaults, environments.',
    ]);
  });

  it("missing keys and wrong types", () => {
    expect(problemsOf("environments:\n  p:\n    alias: 3\n    branches: main\n")).toEqual([
      "version: missing; expected 1.",
      "environments.p.alias: 3 is not allowed; expected a string.",
      'environments.p.branches: "main" is not allowed; expected a list.',
      "environments.p: no function; set function: NAME, or functions: [{ function: NAME, zip: FILE }, ...].",
    ]);
  });

  it("bad durations, with parseDuration's message", () => {
    expect(problemsOf(env("    finalBake: 5 min\n    interval: 0s\n"))).toEqual([
      'environments.production.finalBake: Invalid duration "5 min". Write a number followed by a unit: "30s", "5m" or "1h".',
      'environments.production.interval: Invalid duration "0s": it must be greater than zero. Use a positive duration such as "30s" or "5m".',
    ]);
  });

  it("bad steps, with the planner's message", () => {
    expect(problemsOf(env('    steps: "10%:5m,5%:1m"\n'))).toEqual([
      'environments.production.steps: Invalid step 2 (5%): weights must strictly increase (previous step was 10%). Order the steps by weight, for example "10%:5m,50%:5m".',
    ]);
    expect(problemsOf(env("    steps: [{ weight: 100, duration: 1m }]\n"))).toEqual([
      "environments.production.steps: Invalid step 1 (100%): weights must be greater than 0% and less than 100%. The shift to 100% happens by itself after the last step; do not list it.",
    ]);
    expect(problemsOf(env('    steps: "10%"\n'))).toEqual([
      'environments.production.steps: Invalid step "10%" in --steps "10%". Each step is WEIGHT%:DURATION, for example "10%:5m"; the shift to 100% follows the last step.',
    ]);
  });

  it("a bad element of a steps list, at its own path", () => {
    expect(problemsOf(env('    steps: [{ weight: "10", duration: 5m, bake: 1m }]\n'))).toEqual([
      'environments.production.steps[0].weight: "10" is not allowed; expected a number.',
      "environments.production.steps[0].bake: unknown key; allowed keys: weight, duration.",
    ]);
    expect(problemsOf(env("    steps: 10\n"))).toEqual([
      "environments.production.steps: 10 is not allowed; expected a string or a list.",
    ]);
  });

  it("strategy and steps together", () => {
    expect(problemsOf(env('    strategy: AllAtOnce\n    steps: "10%:1m"\n'))).toEqual([
      'environments.production: both "strategy" and "steps" are set; use one of them (a preset name or custom steps).',
    ]);
  });

  it("bad gates", () => {
    const text = env(`    alarmReadFailure: maybe
    alarms: [""]
    smoke:
      - payload: 42
      - payload: "not json"
        expect: { functionError: true, statusCode: 200.5 }
    metrics: { duration: { stat: p95 }, consecutiveFailures: 0 }
`);
    expect(problemsOf(text)).toEqual([
      'environments.production.alarms[0]: "" is not allowed; it must not be empty.',
      'environments.production.alarmReadFailure: "maybe" is not allowed; use one of "fail", "ignore".',
      "environments.production.smoke[0].payload: 42 is not allowed; expected a mapping or a string.",
      'environments.production.smoke[1].payload: "not json" is not JSON text; write the event as a mapping or as JSON.',
      "environments.production.smoke[1].expect.statusCode: 200.5 is not allowed; expected an integer.",
      "environments.production.smoke[1].expect.functionError: true is not allowed; use false.",
      'environments.production.metrics.duration.stat: "p95" is not allowed; did you mean "p99"? Allowed: "p99", "Average", "Maximum".',
      "environments.production.metrics.consecutiveFailures: 0 is not allowed; use a number ≥ 1.",
    ]);
  });

  it("Managed Instances scaling out of range, inverted or empty, and a bad activation timeout", () => {
    const text = env(`    managedInstances:
      activationTimeout: soon
      scaling: { min: 10, max: 2 }
      scaleDownReplaced: {}
`);
    expect(problemsOf(text)).toEqual([
      'environments.production.managedInstances.activationTimeout: Invalid duration "soon". Write a number followed by a unit: "30s", "5m" or "1h".',
      "environments.production.managedInstances.scaling: min (10) must not exceed max (2).",
      "environments.production.managedInstances.scaleDownReplaced: set min, max or both.",
    ]);
    expect(problemsOf(env("    managedInstances: { scaling: { min: -1, max: 1.5 } }\n"))).toEqual([
      "environments.production.managedInstances.scaling.min: -1 is not allowed; use a number ≥ 0.",
      "environments.production.managedInstances.scaling.max: 1.5 is not allowed; expected an integer.",
    ]);
  });

  it("function and alias names Lambda would reject, and qualified ARNs", () => {
    const problems = problemsOf(
      [
        "version: 1",
        "defaults: { alias: '42' }",
        "environments:",
        "  a: { function: 'my function' }",
        "  b: { function: 'arn:aws:lambda:eu-west-1:123456789012:function:fn:live', alias: 'x.y' }",
        "",
      ].join("\n"),
    );
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^defaults\.alias: .*"42" is all digits/);
    expect(problems[1]).toMatch(/^environments\.a\.function: .*letters, digits/);
    expect(problems[2]).toMatch(/^environments\.b\.function: .*alias "live".*--alias live/);
    expect(problems[3]).toMatch(/^environments\.b\.alias: .*"x\.y"/);
  });

  it("infinite and not-a-number metric thresholds, shown as written rather than as null", () => {
    expect(problemsOf(env("    metrics: { errorRate: { max: .inf }, duration: { max: .nan } }\n"))).toEqual([
      "environments.production.metrics.errorRate.max: Infinity is not allowed; expected a number.",
      "environments.production.metrics.duration.max: NaN is not allowed; expected a number.",
    ]);
  });

  it("durations longer than a timer can wait, wherever they are", () => {
    const problems = problemsOf(
      env(
        "    finalBake: 600h\n    interval: 700h\n    hooks: { timeout: 800h }\n    metrics: { maxExtension: 900h }\n    steps: [{ weight: 10, duration: 1000h }]\n",
      ),
    );
    expect(problems).toHaveLength(5);
    for (const key of [
      "steps[0].duration",
      "finalBake",
      "interval",
      "metrics.maxExtension",
      "hooks.timeout",
    ]) {
      expect(problems.find((problem) => problem.startsWith(`environments.production.${key}: `))).toMatch(
        /596h/,
      );
    }
  });

  it("no environments, an empty file, and YAML syntax errors", () => {
    expect(problemsOf("version: 1\nenvironments: {}\n")).toEqual([
      "environments: {} is not allowed; define at least one environment.",
    ]);
    expect(problemsOf("")).toEqual(["(top level): the file is empty; expected version: 1 and environments."]);
    expect(problemsOf("version: 1\nversion: 1\n")).toEqual(["line 2, column 1: Map keys must be unique"]);
  });

  it("every problem at once, in one InputError with exit code 2", () => {
    const text = `version: 1
defaults: { strategy: Fast }
environments:
  production: { function: fn, finalBake: soon, branches: [main] }
  staging: { function: [fn], region: 7 }
`;
    let error: unknown;
    try {
      parseConfig(text, "ci/lambda-rollout.yml");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    expect((error as InputError).message).toBe(
      [
        "Invalid configuration ci/lambda-rollout.yml (4 problems):",
        `  - defaults.strategy: "Fast" is not allowed; use one of "AllAtOnce", "Canary10Percent5Minutes", "Canary10Percent10Minutes", "Canary10Percent15Minutes", "Canary10Percent30Minutes", "Linear10PercentEvery1Minute", "Linear10PercentEvery2Minutes", "Linear10PercentEvery3Minutes", "Linear10PercentEvery10Minutes".`,
        '  - environments.production.finalBake: Invalid duration "soon". Write a number followed by a unit: "30s", "5m" or "1h".',
        '  - environments.staging.function: ["fn"] is not allowed; expected a string.',
        "  - environments.staging.region: 7 is not allowed; expected a string.",
      ].join("\n"),
    );
  });
});

describe("loadConfig", () => {
  it("reads YAML from disk", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lr-config-"));
    const path = join(dir, "lambda-rollout.yml");
    await writeFile(path, "version: 1\nenvironments: { p: { function: f } }\n");
    expect((await loadConfig(path)).environments.p?.function).toBe("f");
  });

  it("names a missing file", async () => {
    const path = join(tmpdir(), "does-not-exist", "lambda-rollout.yml");
    const error = await loadConfig(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(`Configuration file ${path} does not exist.`);
  });
});
