import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { InputError } from "../../errors.js";
import { type DeployInputs, resolveDeploy } from "./request.js";

let dir: string;
const CONFIG = `
version: 1
defaults:
  artifact: { bucket: shared-artifacts, prefix: pkgs }
  interval: 20s
environments:
  production:
    function: app-production
    strategy: Canary10Percent5Minutes
    finalBake: 2m
    alarms: [prod-errors]
    smoke:
      - payload: { httpMethod: GET }
        expect: { statusCode: 404 }
    metrics: { errorRate: { max: 5 }, minInvocations: 10 }
    hooks: { preTraffic: ["npm run smoke"], timeout: 2m }
    branches: [main]
  managed:
    function: app-managed
    managedInstances:
      activationTimeout: 25m
      scaling: { min: 6, max: 40 }
      scaleDownReplaced: { min: 0, max: 1 }
  staging:
    function: app-staging
    alias: current
    region: eu-central-1
    branches: [develop, "feature/**"]
  release:
    region: eu-west-1
    artifact: { bucket: "artifacts-{region}" }
    functions:
      - { function: orders-get, zip: dist/orders-get.zip }
      - { function: orders-put, zip: dist/orders-put.zip }
    notify: ["https://hooks.example.com/services/T0/B0/secret"]
  release-pruned:
    region: eu-west-1
    artifact: { bucket: "artifacts-{region}" }
    functions: [{ function: orders-get, zip: dist/orders-get.zip }]
    prune: { keep: 5 }
    manualApproval: true
  release-managed:
    region: eu-west-1
    artifact: { bucket: "artifacts-{region}" }
    functions: [{ function: orders-get, zip: dist/orders-get.zip }]
    managedInstances: { scaling: { min: 3 } }
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lr-request-"));
  await writeFile(join(dir, "lambda-rollout.yml"), CONFIG);
  await writeFile(join(dir, "event.json"), '{"httpMethod":"GET","path":"/"}');
});

const resolve = (inputs: DeployInputs, env: NodeJS.ProcessEnv = {}) =>
  resolveDeploy(inputs, {
    env,
    cwd: dir,
    readText: (path) => readFile(path, "utf8"),
  });

async function rejection(inputs: DeployInputs, env: NodeJS.ProcessEnv = {}): Promise<InputError> {
  const error = await resolve(inputs, env).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe("from the configuration file", () => {
  test("the branch picks the environment and the file supplies everything", async () => {
    const resolved = await resolve({ zip: "fn.zip" }, { GITHUB_REF_NAME: "main" });
    expect(resolved.kind).toBe("deploy");
    if (resolved.kind !== "deploy") return;
    expect(resolved.environment?.name).toBe("production");
    expect(resolved.request).toMatchObject({
      functionName: "app-production",
      aliasName: "live",
      // A relative --zip is the caller's (RunOptions.cwd), not this process's working directory.
      source: { zip: join(dir, "fn.zip"), bucket: "shared-artifacts", prefix: "pkgs" },
      plan: { strategy: "Canary10Percent5Minutes", finalBakeMs: 120_000 },
      alarms: ["prod-errors"],
      intervalMs: 20_000,
      smoke: [{ payload: '{"httpMethod":"GET"}', expect: { statusCode: 404 } }],
    });
    // The configuration's percent becomes the gate's fraction; everything else is left to defaults.
    expect(resolved.request.metrics).toMatchObject({ errorRate: { max: 0.05 }, minInvocations: 10 });
    expect(resolved.request.hooks).toEqual({
      preTraffic: ["npm run smoke"],
      postTraffic: [],
      timeoutMs: 120_000,
    });
  });

  test("flags override the file", async () => {
    const resolved = await resolve({
      env: "production",
      zip: "fn.zip",
      steps: "50%:1s",
      alias: "blue",
      bucket: "other",
      alarms: ["a", "b"],
      interval: "1s",
      region: "us-west-2",
      smokePayloads: ["@event.json"],
      postTrafficHooks: ["./e2e.sh"],
      hookTimeout: "30s",
    });
    if (resolved.kind !== "deploy") throw new Error("expected a deploy");
    expect(resolved.request).toMatchObject({
      aliasName: "blue",
      source: { bucket: "other", prefix: "pkgs" },
      plan: { strategy: "custom", steps: [{ weight: 50, bakeMs: 1_000 }], finalBakeMs: 0 },
      alarms: ["a", "b"],
      intervalMs: 1_000,
      smoke: [{ payload: '{"httpMethod":"GET","path":"/"}' }],
      hooks: { preTraffic: ["npm run smoke"], postTraffic: ["./e2e.sh"], timeoutMs: 30_000 },
    });
    expect(resolved.region).toBe("us-west-2");
  });

  test("--final-bake alone keeps the file's strategy", async () => {
    const resolved = await resolve({ env: "production", version: "3", finalBake: "30s" });
    if (resolved.kind !== "deploy") throw new Error("expected a deploy");
    expect(resolved.request.plan).toMatchObject({ strategy: "Canary10Percent5Minutes", finalBakeMs: 30_000 });
  });

  test("a tag push is not a branch: exit 2 asking for --env, even when a branch has its name", async () => {
    const error = await rejection({ zip: "fn.zip" }, { GITHUB_REF_NAME: "main", GITHUB_REF_TYPE: "tag" });
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/tag "main".*not branches/);
    expect(error.hint).toMatch(/--env/);
    const explicit = await resolve(
      { zip: "fn.zip", env: "production" },
      { GITHUB_REF_NAME: "v1.2.0", GITHUB_REF_TYPE: "tag" },
    );
    expect(explicit.kind).toBe("deploy");
  });

  test("a branch with no environment is a noop naming the branch and the patterns", async () => {
    const resolved = await resolve({ zip: "fn.zip" }, { GITHUB_REF_NAME: "hotfix/x" });
    expect(resolved).toEqual({
      kind: "noop",
      message: expect.stringMatching(/"hotfix\/x".*production: main.*staging: develop, feature\/\*\*/),
    });
  });
});

describe("from flags alone", () => {
  test("defaults: alias live, AllAtOnce, no gates", async () => {
    const resolved = await resolve({ function: "fn", zip: "fn.zip", bucket: "b" });
    if (resolved.kind !== "deploy") throw new Error("expected a deploy");
    expect(resolved.request).toMatchObject({
      functionName: "fn",
      aliasName: "live",
      plan: { strategy: "AllAtOnce", steps: [] },
      alarms: [],
      smoke: [],
      intervalMs: undefined,
    });
    expect(resolved.environment).toBeUndefined();
  });
});

describe("invalid input is rejected before AWS is asked anything", () => {
  test.each<[string, DeployInputs, RegExp]>([
    ["no zip and no version", { function: "fn" }, /neither --zip nor --version/],
    ["both zip and version", { function: "fn", zip: "a.zip", version: "2" }, /Both --zip and --version/],
    ["$LATEST as version", { function: "fn", version: "$LATEST" }, /must be a published version number/],
    ["zip without bucket", { function: "fn", zip: "a.zip" }, /needs an S3 bucket/],
    ["smoke payload not JSON", { function: "fn", version: "2", smokePayloads: ["{nope"] }, /not valid JSON/],
    [
      "smoke payload file missing",
      { function: "fn", version: "2", smokePayloads: ["@missing.json"] },
      /Cannot read the smoke payload file missing.json/,
    ],
    ["unknown environment", { env: "qa", version: "2" }, /Unknown environment "qa"/],
    [
      "missing config file",
      { config: "nope.yml", version: "2" },
      /Configuration file nope.yml does not exist/,
    ],
  ])("%s", async (_label, inputs, message) => {
    const error = await rejection(inputs);
    expect(error.message).toMatch(message);
    expect(error.exitCode).toBe(2);
  });

  test("--env without any configuration file", async () => {
    const empty = await mkdtemp(join(tmpdir(), "lr-empty-"));
    const error = await resolveDeploy(
      { env: "production", version: "2" },
      { env: {}, cwd: empty, readText: async () => "" },
    ).catch((caught: unknown) => caught as InputError);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/needs a configuration file/);
  });
});

describe("function ARNs are reduced to the bare name once, here", () => {
  const arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders";

  test("a full ARN: the name everywhere, the ARN's region for the clients", async () => {
    const resolved = await resolve({ function: arn, zip: "fn.zip", bucket: "b" });
    if (resolved.kind !== "deploy") throw new Error("expected a deploy");
    expect(resolved.request.functionName).toBe("orders");
    expect(resolved.region).toBe("eu-west-1");
  });

  test("a partial ARN: the name, the region from --region", async () => {
    const resolved = await resolve({
      function: "123456789012:function:orders",
      version: "3",
      region: "us-east-2",
    });
    if (resolved.kind !== "deploy") throw new Error("expected a deploy");
    expect(resolved.request.functionName).toBe("orders");
    expect(resolved.region).toBe("us-east-2");
  });

  test("an ARN in the configuration file", async () => {
    const configDir = await mkdtemp(join(tmpdir(), "lr-arn-"));
    await writeFile(
      join(configDir, "lambda-rollout.yml"),
      `version: 1\nenvironments:\n  prod:\n    function: "${arn}"\n    alias: blue\n`,
    );
    const resolved = await resolveDeploy(
      { env: "prod", version: "3" },
      { env: {}, cwd: configDir, readText: (path) => readFile(path, "utf8") },
    );
    if (resolved.kind !== "deploy") throw new Error("expected a deploy");
    expect(resolved.request).toMatchObject({ functionName: "orders", aliasName: "blue" });
    expect(resolved.region).toBe("eu-west-1");
  });

  test.each<[string, DeployInputs, RegExp, RegExp]>([
    ["an alias-qualified ARN", { function: `${arn}:live`, version: "2" }, /alias "live"/, /--alias live/],
    [
      "a version-qualified ARN",
      { function: `${arn}:7`, zip: "a.zip", bucket: "b" },
      /version 7/,
      /--version 7/,
    ],
    [
      "an ARN in another region than --region",
      { function: arn, version: "2", region: "us-east-1" },
      /eu-west-1.*us-east-1/,
      /--region/,
    ],
  ])("%s is exit 2 with a hint", async (_label, inputs, message, hint) => {
    const error = await rejection(inputs);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(hint);
  });
});

describe("names Lambda would reject are exit 2 before any AWS call", () => {
  test.each<[string, DeployInputs, RegExp]>([
    [
      "a function name with a space",
      { function: "my function", version: "2" },
      /--function.*letters, digits/,
    ],
    ["a function name of 65 characters", { function: "f".repeat(65), version: "2" }, /at most 64/],
    ["an alias that is all digits", { function: "fn", alias: "12", version: "2" }, /--alias.*version number/],
    ["an alias with a dot", { function: "fn", alias: "v1.2", version: "2" }, /--alias.*letters, digits/],
    ["an alias of 129 characters", { function: "fn", alias: "a".repeat(129), version: "2" }, /at most 128/],
  ])("%s", async (_label, inputs, message) => {
    const error = await rejection(inputs);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
  });
});

test("managedInstances reaches the deploy request, its timeout in ms", async () => {
  const resolved = await resolve({ env: "managed", zip: "x.zip", bucket: "b" });
  if (resolved.kind !== "deploy") throw new Error(`expected a deploy, got ${resolved.kind}`);
  expect(resolved.request.managedInstances).toEqual({
    activationTimeoutMs: 25 * 60_000,
    scaling: { min: 6, max: 40 },
    scaleDownReplaced: { min: 0, max: 1 },
  });
});

describe("a release (functions:)", () => {
  test("gets the environment's notify URLs, like a single function", async () => {
    const resolved = await resolve({ env: "release" });
    expect(resolved.kind).toBe("release");
    if (resolved.kind !== "release") return;
    expect(resolved.notify.map(({ url }) => String(url))).toEqual([
      "https://hooks.example.com/services/T0/B0/secret",
    ]);
    expect(resolved.request.functions.map((item) => item.functionName)).toEqual(["orders-get", "orders-put"]);
  });

  test("--allow-firing-alarms reaches every function; prune: and manual approval the release", async () => {
    const resolved = await resolve({ env: "release", allowFiringAlarms: true });
    if (resolved.kind !== "release") throw new Error(`expected a release, got ${resolved.kind}`);
    expect(resolved.request.functions.map((item) => item.alarmsAlreadyFiring)).toEqual(["ignore", "ignore"]);
    expect(resolved.request.prune).toBeUndefined();
    const pruned = await resolve({ env: "release-pruned" });
    if (pruned.kind !== "release") throw new Error(`expected a release, got ${pruned.kind}`);
    expect(pruned.request.prune).toEqual({ keep: 5 });
    // manualApproval: true in the file; the flag's timeout applies.
    expect(pruned.request.manualApproval).toEqual({ timeoutMs: undefined, region: undefined });
    const timed = await resolve({ env: "release", manualApproval: true, approvalTimeout: "15m" });
    if (timed.kind !== "release") throw new Error(`expected a release, got ${timed.kind}`);
    expect(timed.request.manualApproval?.timeoutMs).toBe(15 * 60_000);
    expect((await rejection({ env: "release", approvalTimeout: "15m" })).message).toBe(
      "--approval-timeout was given without manual approval.",
    );
    expect(pruned.request.functions.map((item) => item.alarmsAlreadyFiring)).toEqual(["fail"]);
  });

  test("refuses what only a single function supports, instead of ignoring it (exit 2)", async () => {
    // Manual approval, firing alarms, prune: and the Step Functions engine all work for releases now.
    const fromFlags = await rejection({ env: "release-managed" });
    expect(fromFlags.exitCode).toBe(2);
    expect(fromFlags.message).toMatch(/^managedInstances cannot be used with/);
  });
});
