import { describe, expect, it } from "vitest";
import { errorOf } from "../../test/support/errors.js";
import { InputError } from "../errors.js";
import { buildPlan } from "../plan/plan.js";
import { parseConfig } from "./parse.js";
import { applyDefaults, matchesBranch, resolveEnvironment } from "./resolve.js";

const config = parseConfig(
  `version: 1
defaults:
  region: eu-west-1
  artifact: { bucket: deploys }
  strategy: Canary10Percent5Minutes
  alarms: [errors]
environments:
  production:
    function: api-prod
    steps: "10%:5m,50%:5m"
    finalBake: 2m
    branches: [main, "release/*"]
  staging:
    function: api-staging
    alias: staging
    strategy: AllAtOnce
    alarms: []
    smoke: [{ payload: { ping: true }, expect: { statusCode: 200 } }]
    branches: [develop, "feature/**"]
  sandbox:
    function: api-sandbox
`,
  "lambda-rollout.yml",
);

describe("branch patterns", () => {
  it.each([
    ["main", "main", true],
    ["main", "maintenance", false],
    ["release/*", "release/1.2", true],
    ["release/*", "release/1.2/hotfix", false],
    ["release/*", "release", false],
    ["feature/**", "feature/a/b", true],
    ["**/hotfix", "hotfix", true],
    ["**/hotfix", "team/x/hotfix", true],
    ["v?.x", "v1.x", true],
    ["v?.x", "v10.x", false],
    ["a.b", "axb", false],
  ])("%s against %s is %s", (glob, branch, expected) => {
    expect(matchesBranch(glob, branch)).toBe(expected);
  });
});

describe("resolveEnvironment", () => {
  it("maps main to production with its own steps and the defaults", () => {
    const resolution = resolveEnvironment(config, { branch: "main" });
    expect(resolution).toEqual({
      kind: "environment",
      reason: 'branch "main" matches pattern "main" of environment "production"',
      environment: {
        name: "production",
        function: "api-prod",
        alias: "live",
        region: "eu-west-1",
        artifact: { bucket: "deploys", prefix: undefined },
        // The plan as configured; the deploy builds it (once), after flags had their say.
        plan: { strategy: undefined, steps: "10%:5m,50%:5m", finalBake: "2m" },
        intervalMs: undefined,
        alarms: ["errors"],
        alarmReadFailure: "fail",
        alarmsAlreadyFiring: "fail",
        prune: undefined,
        smoke: [],
        metrics: undefined,
        hooks: { preTraffic: [], postTraffic: [], timeoutMs: undefined },
        notify: [],
        manualApproval: false,
        approvalTimeoutMs: undefined,
        requireGates: false,
        branches: ["main", "release/*"],
      },
    });
  });

  it("maps a release branch to production and develop to staging (all at once, own gates)", () => {
    const release = resolveEnvironment(config, { branch: "release/2024.1" });
    expect(release.kind === "environment" && release.environment.name).toBe("production");
    const staging = resolveEnvironment(config, { branch: "develop" });
    if (staging.kind !== "environment") throw new Error("expected an environment");
    expect(buildPlan(staging.environment.plan)).toEqual({ strategy: "AllAtOnce", steps: [], finalBakeMs: 0 });
    expect(staging.environment.alias).toBe("staging");
    expect(staging.environment.alarms).toEqual([]);
    expect(staging.environment.smoke).toEqual([{ payload: '{"ping":true}', expect: { statusCode: 200 } }]);
  });

  it("inherits the default strategy when the environment sets none", () => {
    const sandbox = resolveEnvironment(config, { env: "sandbox" });
    expect(sandbox.kind === "environment" && sandbox.environment.plan.strategy).toBe(
      "Canary10Percent5Minutes",
    );
  });

  it("returns noop for an unmapped branch, naming the branch and every pattern", () => {
    expect(resolveEnvironment(config, { branch: "fix/typo" })).toEqual({
      kind: "noop",
      branch: "fix/typo",
      message:
        'Branch "fix/typo" deploys to no environment (patterns: production: main, release/*; staging: develop, feature/**; sandbox: (no branches; --env only)); nothing to do.',
    });
  });

  it("rejects a branch that two environments claim", () => {
    const overlapping = parseConfig(
      `version: 1
environments:
  a: { function: fa, branches: ["release/*"] }
  b: { function: fb, branches: ["release/**"] }
`,
      "x.yml",
    );
    const error = errorOf(() => resolveEnvironment(overlapping, { branch: "release/1" }));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'Branch "release/1" matches more than one environment: "a" (pattern "release/*") and "b" (pattern "release/**").',
    );
  });

  it("lets an explicit environment win over the branch", () => {
    const resolution = resolveEnvironment(config, { env: "staging", branch: "main" });
    expect(resolution.kind === "environment" && resolution.reason).toBe(
      'environment "staging" chosen explicitly',
    );
  });

  it("rejects an unknown environment, listing the known ones", () => {
    const error = errorOf(() => resolveEnvironment(config, { env: "prod" }));
    expect(error.message).toBe('Unknown environment "prod".');
    expect(error.hint).toBe("Use one of: production, staging, sandbox.");
    expect(errorOf(() => resolveEnvironment(config, { env: "toString" })).message).toBe(
      'Unknown environment "toString".',
    );
  });

  it("needs an environment or a branch", () => {
    expect(errorOf(() => resolveEnvironment(config, {})).message).toBe(
      "No environment given and no branch to choose one from.",
    );
  });
});

describe("metric options are checked when the environment is resolved", () => {
  it("options the gate would refuse are exit 2 here, naming the key, not an unexpected failure later", () => {
    const error = errorOf(() =>
      applyDefaults("production", { function: "fn", metrics: { consecutiveFailures: 0 } }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    expect((error as InputError).message).toMatch(/consecutiveFailures/);
  });
});
