import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { beforeAll, describe, expect, test } from "vitest";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../test/support/fakes.js";
import { sha256 } from "../artifact/hash.js";
import { ExitCode } from "../errors.js";
import { buildPlan } from "../plan/plan.js";
import { type DeployRequest, deploy } from "../rollout/deploy/deploy.js";
import type { StampedEvent } from "../rollout/events.js";
import { resolveDeploy } from "../rollout/request/request.js";
import { gatelessWarning } from "./gateless.js";

const canary = buildPlan({ steps: "10%:20s,50%:20s" });
const allAtOnce = buildPlan({ strategy: "AllAtOnce" });

describe("gatelessWarning", () => {
  test("a weighted plan with no gate warns, naming every option", () => {
    const warning = gatelessWarning("fn:live", canary, {});
    expect(warning).toContain("fn:live shifts traffic step by step with no gate");
    for (const option of [
      "--alarm",
      "--smoke-payload",
      "--pre-traffic-hook",
      "metrics:",
      "--require-gates",
    ]) {
      expect(warning).toContain(option);
    }
  });

  test.each([
    ["an alarm", { alarms: ["errors"] }],
    ["a smoke invocation", { smoke: [{ payload: "{}" }] }],
    ["a hook", { hooks: { postTraffic: ["./check.sh"] } }],
    ["metric analysis", { metrics: { periodSeconds: 60 } }],
  ])("%s is a gate: no warning", (_name, specs) => {
    expect(gatelessWarning("fn:live", canary, specs)).toBeUndefined();
  });

  test("a library user's own gate counts", () => {
    const gate = { name: "mine", check: async () => ({ gate: "mine", status: "pass" as const, detail: "" }) };
    expect(gatelessWarning("fn:live", canary, {}, [gate])).toBeUndefined();
  });

  test("AllAtOnce with no gate: no warning (there is no canary to watch)", () => {
    expect(gatelessWarning("fn:live", allAtOnce, {})).toBeUndefined();
  });

  test("required: no gate at all is an InputError, whatever the plan", () => {
    for (const plan of [canary, allAtOnce]) {
      expect(() => gatelessWarning("fn:live", plan, {}, [], true)).toThrow(
        /fn:live has no gate, and gates are required \(--require-gates, requireGates: true\)/,
      );
    }
    expect(gatelessWarning("fn:live", canary, { alarms: ["errors"] }, [], true)).toBeUndefined();
  });
});

describe("a deploy with no gate", () => {
  let zip: string;
  let zipSha: string;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "lr-gateless-"));
    const bytes = zipSync({
      "handler.mjs": new TextEncoder().encode("export const handler = async () => ({});"),
    });
    zip = join(dir, "fn.zip");
    await writeFile(zip, bytes);
    zipSha = sha256(bytes).base64;
  });

  function run(extra: Partial<DeployRequest>) {
    const lambda = new FakeLambda("fn", "live", { stableVersions: 1, aliasOn: "1" });
    lambda.shaFor = () => zipSha;
    const events: StampedEvent[] = [];
    const result = deploy(
      {
        functionName: "fn",
        aliasName: "live",
        source: { zip, bucket: "artifacts" },
        plan: canary,
        ...extra,
      },
      {
        lambda,
        artifacts: new FakeArtifacts(),
        alarms: new FakeAlarms(),
        clock: new FakeClock(),
        emit: (e) => events.push(e),
      },
    );
    return { lambda, events, result };
  }

  test("runs, with the warning before anything is written", async () => {
    const { events, result } = run({});
    expect(await result).toMatchObject({ outcome: "promoted" });
    const warning = events.findIndex((e) => e.type === "warning" && /with no gate/.test(e.message));
    expect(warning).toBeGreaterThan(-1);
    expect(warning).toBeLessThan(events.findIndex((e) => e.type === "artifact"));
  });

  test("with requireGates: exit 2, nothing written", async () => {
    const { lambda, result } = run({ requireGates: true });
    expect(await result).toMatchObject({ outcome: "failed", exitCode: ExitCode.invalidInput });
    expect(lambda.calls.filter((c) => /update|publish/i.test(c.op))).toEqual([]);
  });
});

describe("--require-gates and requireGates: true reach the request", () => {
  const context = (files: Record<string, string>) => ({
    env: {},
    cwd: "/project",
    readText: async (path: string) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      return text;
    },
  });
  const config = (extra: string) =>
    `version: 1\nenvironments:\n  production:\n    function: fn\n    steps: "10%:1m"\n${extra}`;

  test.each([
    ["neither", {}, "", false],
    ["the flag", { requireGates: true }, "", true],
    ["the configuration", {}, "    requireGates: true\n", true],
  ])("%s", async (_name, flags, extra, expected) => {
    const resolved = await resolveDeploy(
      { config: "lambda-rollout.yml", env: "production", version: "2", ...flags },
      context({ "/project/lambda-rollout.yml": config(extra) }),
    );
    expect(resolved.kind === "deploy" && resolved.request.requireGates).toBe(expected);
  });
});
