import { describe, expect, it } from "vitest";
import { errorOf } from "../../../test/support/errors.js";
import { ExitCode } from "../../errors.js";
import { buildPlan } from "../../plan/plan.js";
import type { ReleaseFunction, ReleaseRequest } from "../request/release-request.js";
import { assertReleaseRunsServerSide } from "./release.js";

const ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:orders-release";
const fn = (name: string, extra: Partial<ReleaseFunction> = {}): ReleaseFunction => ({
  path: `environments.production.functions[${name}]`,
  functionName: name,
  aliasName: "live",
  region: "eu-west-1",
  zip: `dist/${name}.zip`,
  bucket: "artifacts",
  alarms: [`${name}-errors`],
  ...extra,
});
const request = (functions: ReleaseFunction[], stateMachineArn = ARN): ReleaseRequest => ({
  name: "production",
  functions,
  waves: [{ regions: undefined, bakeMs: 0 }],
  plan: buildPlan({ steps: "10%:1m" }),
  engine: { kind: "stepfunctions", stateMachineArn, detach: false },
});

describe("a release run server-side refuses up front (exit 2) what Step Functions cannot run", () => {
  it("passes a release of one region with alarms and smoke", () => {
    expect(() =>
      assertReleaseRunsServerSide(request([fn("a"), fn("b", { smoke: [{ payload: "{}" }] })])),
    ).not.toThrow();
  });

  it("several regions: the reason and both fixes", () => {
    const error = errorOf(() =>
      assertReleaseRunsServerSide(request([fn("a"), fn("b", { region: "us-east-1" })])),
    );
    expect(error.exitCode).toBe(ExitCode.invalidInput);
    expect(error.message).toContain("spans 2 regions (eu-west-1, us-east-1)");
    expect(error.message).toContain("Nothing was changed.");
    expect(error.hint).toContain("--engine local");
  });

  it("manual approval and prune: (run by the local release), naming the way out", () => {
    const approval = errorOf(() =>
      assertReleaseRunsServerSide({ ...request([fn("a")]), manualApproval: { timeoutMs: 60_000 } }),
    );
    expect(approval.exitCode).toBe(ExitCode.invalidInput);
    expect(approval.message).toContain("manual approval does not run in the release state machine");
    expect(approval.hint).toContain("--engine local");
    const prune = errorOf(() => assertReleaseRunsServerSide({ ...request([fn("a")]), prune: { keep: 5 } }));
    expect(prune.exitCode).toBe(ExitCode.invalidInput);
    expect(prune.hint).toContain("lambda-rollout prune --function F --keep N");
  });

  it("a state machine of another region than the functions'", () => {
    const error = errorOf(() =>
      assertReleaseRunsServerSide(request([fn("a")], ARN.replace("eu-west-1", "us-east-1"))),
    );
    expect(error.message).toContain('is in us-east-1, but release "production" is in eu-west-1');
  });

  it("hook commands, metric analysis and expect.body, naming the function", () => {
    const hooks = errorOf(() =>
      assertReleaseRunsServerSide(
        request([fn("a", { hooks: { preTraffic: ["./check.sh"], postTraffic: [] } })]),
      ),
    );
    expect(hooks.message).toContain("environments.production.functions[a]: hook commands");
    const metrics = errorOf(() =>
      assertReleaseRunsServerSide(
        request([fn("a", { metrics: {} as NonNullable<ReleaseFunction["metrics"]> })]),
      ),
    );
    expect(metrics.message).toContain("metric analysis");
    const body = errorOf(() =>
      assertReleaseRunsServerSide(
        request([fn("a", { smoke: [{ payload: "{}", expect: { body: { ok: true } } }] })]),
      ),
    );
    expect(body.message).toContain("expect.body");
  });

  it("a local release is not checked", () => {
    expect(() =>
      assertReleaseRunsServerSide({
        ...request([fn("a"), fn("b", { region: "us-east-1" })]),
        engine: undefined,
      }),
    ).not.toThrow();
  });
});
