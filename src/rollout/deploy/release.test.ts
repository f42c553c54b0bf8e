import { describe, expect, it } from "vitest";
import type { FakeArtifacts, FakeLambda } from "../../../test/support/fakes.js";
import { releaseHarness as harness } from "../../../test/support/release-harness.js";
import { AwsError, ConflictError } from "../../errors.js";
import { buildPlan } from "../../plan/plan.js";

import type { StepFunctionsPort } from "../../ports.js";

import { parseLive, parseReleaseMark, parseStep } from "../progress.js";

const served = (fake: FakeLambda) => `${fake.alias.version}${fake.alias.additional ? "+split" : ""}`;

describe("release engine (fake clock)", () => {
  it("shifts a wave in lockstep: every function gets the same weight at each step, one write each", async () => {
    const h = harness();
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    for (const key of ["a@eu-west-1", "b@eu-west-1", "a@us-east-1"]) {
      expect(
        h
          .fake(key)
          .writes()
          .map((w) => w.additional?.weight ?? 100),
      ).toEqual([10, 50, 100]);
      expect(served(h.fake(key))).toBe("2");
    }
    // The shift events of one step are next to each other, wave 1 before wave 2.
    const shifts = h.events
      .filter((e) => e.type === "shift")
      .map((e) => `${e.function}@${e.region}:${"weight" in e ? e.weight : ""}`);
    expect(shifts).toEqual([
      "a@eu-west-1:10",
      "b@eu-west-1:10",
      "a@eu-west-1:50",
      "b@eu-west-1:50",
      "a@eu-west-1:100",
      "b@eu-west-1:100",
      "a@us-east-1:10",
      "a@us-east-1:50",
      "a@us-east-1:100",
    ]);
  });

  it("a missing artifact bucket in wave 2's region: exit 2 in validation, wave 1 never moves", async () => {
    const h = harness();
    const us = h.portsFor("us-east-1").artifacts as FakeArtifacts;
    us.missingBuckets.add("artifacts-us-east-1");
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 2 });
    expect(result.reason).toContain("S3 bucket artifacts-us-east-1 does not exist.");
    for (const key of ["a@eu-west-1", "b@eu-west-1", "a@us-east-1"]) {
      expect(h.fake(key).writes()).toEqual([]);
      expect(h.fake(key).calls.filter((c) => c.op === "publishVersion")).toEqual([]);
    }
  });

  it("provisioned concurrency on wave 2's alias: exit 2 in validation, as a one-function deploy, wave 1 never moves", async () => {
    const h = harness();
    h.fake("a@us-east-1").provisioned.set("live", { requested: 25, allocated: 25, status: "READY" });
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 2 });
    expect(result.reason).toContain(
      "environments.production.functions[2] (a (us-east-1)): Alias a:live has provisioned concurrency (25 requested)",
    );
    expect(result.hint).toContain("--strategy AllAtOnce");
    for (const key of ["a@eu-west-1", "b@eu-west-1", "a@us-east-1"]) {
      expect(h.fake(key).writes()).toEqual([]);
      expect(
        h.fake(key).calls.filter((c) => c.op === "publishVersion" || c.op === "updateFunctionCode"),
      ).toEqual([]);
    }
  });

  it("an AllAtOnce release is not checked for provisioned concurrency (Lambda allows it)", async () => {
    const h = harness();
    h.request.plan = buildPlan({ strategy: "AllAtOnce" });
    h.fake("a@us-east-1").provisioned.set("live", { requested: 25 });
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(h.fake("a@us-east-1").calls.filter((c) => c.op === "getProvisionedConcurrency")).toEqual([]);
  });

  it("the same function twice, once by its region and once by AWS_REGION's: exit 2, nothing changed", async () => {
    const h = harness({
      functions: [
        ["a", "us-east-1"],
        ["a", "us-east-1"],
      ],
      defaultRegion: "us-east-1",
    });
    h.request.waves = [{ regions: undefined, bakeMs: 0 }];
    (h.request.functions[0] as { region: string | undefined }).region = undefined;
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 2 });
    expect(result.reason).toBe(
      "environments.production.functions[1] (a (us-east-1)) is the same alias as environments.production.functions[0] (a): arn:aws:lambda:us-east-1:123456789012:function:a:live. A release lists each function once per region. Nothing was changed.",
    );
    expect(result.hint).toContain("AWS_REGION");
    expect(h.fake("a@us-east-1").writes()).toEqual([]);
    expect(h.fake("a@us-east-1").calls.filter((c) => c.op === "publishVersion")).toEqual([]);
  });

  it("an AWS error publishing wave 2 restores the promoted wave 1 (exit 4)", async () => {
    const h = harness();
    h.fake("a@us-east-1").failWhen = (op) =>
      op === "publishVersion" ? new AwsError("ServiceException: boom", { retryable: false }) : undefined;
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 4 });
    expect(result.reason).toContain("boom");
    expect(["a@eu-west-1", "b@eu-west-1", "a@us-east-1"].map((k) => served(h.fake(k)))).toEqual([
      "1",
      "1",
      "1",
    ]);
    expect(result.release.functions.map((f) => f.state)).toEqual([
      "rolled_back",
      "rolled_back",
      "not_started",
    ]);
  });

  it("someone else's change on one function is left alone (exit 3); every other function is restored", async () => {
    const h = harness();
    const other = h.fake("b@eu-west-1");
    other.failWhen = (op, n) => {
      if (op === "updateAlias" && n === 2) {
        other.setRouting({ version: "1", additional: { version: "2", weight: 33 } });
        return new ConflictError("PreconditionFailed: revision changed");
      }
      return undefined;
    };
    const result = await h.run();
    expect(result.exitCode).toBe(3);
    expect(served(h.fake("a@eu-west-1"))).toBe("1");
    expect(other.alias.additional?.weight).toBe(33);
  });

  it("a conflict names the function's region, and its hint's command carries --region", async () => {
    const h = harness();
    const usA = h.fake("a@us-east-1");
    // `a` lives in two regions: someone else splits the one in us-east-1 between the release's writes.
    usA.failWhen = (op, n) => {
      if (op === "updateAlias" && n === 2)
        usA.setRouting({ version: "1", additional: { version: "2", weight: 33 } });
      return undefined;
    };
    const result = await h.run();
    expect(result.exitCode).toBe(3);
    expect(result.reason).toContain("Alias a:live in us-east-1 was changed by someone else");
    expect(result.hint).toContain("`lambda-rollout status --function a --alias live --region us-east-1`");
    expect(usA.alias.additional?.weight).toBe(33);
  });

  it("a missing package: exit 2 naming the function's config key, whose zip the hint says to fix (not --zip)", async () => {
    const h = harness();
    (h.request.functions[1] as { zip: string }).zip = "/nonexistent/dist/b.zip";
    const result = await h.run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 2 });
    expect(result.reason).toBe(
      "environments.production.functions[1] (b (eu-west-1)): Package not found: /nonexistent/dist/b.zip",
    );
    expect(result.hint).toContain(
      "to environments.production.functions[1].zip (a path relative to the configuration file).",
    );
    expect(result.hint).not.toContain("--zip");
  });

  it("a function found mid-roll-out in validation: exit 3 naming its region, --region in the hint", async () => {
    const h = harness();
    h.fake("b@eu-west-1").setRouting({ version: "1", additional: { version: "2", weight: 33 } });
    const result = await h.run();
    expect(result.exitCode).toBe(3);
    expect(result.reason).toContain("Alias b:live in eu-west-1 is mid-roll-out (67% v1 / 33% v2)");
    expect(result.hint).toContain("`lambda-rollout status --function b --alias live --region eu-west-1`");
    for (const key of ["a@eu-west-1", "b@eu-west-1", "a@us-east-1"]) expect(h.fake(key).writes()).toEqual([]);
  });

  it("a restore AWS keeps refusing ends with exit 5 and the command to run", async () => {
    const h = harness();
    const a = h.fake("a@eu-west-1");
    a.failWhen = (op, n) => {
      if (op !== "updateAlias") return undefined;
      // Right after the first shift, b's alarm fires; from then on AWS refuses every write to a.
      if (n === 1) h.alarms.get("eu-west-1")?.states.set("b-errors", "ALARM");
      return n > 1 ? new AwsError("ThrottlingException: rate exceeded", { retryable: true }) : undefined;
    };
    const result = await h.run();
    expect(result.exitCode).toBe(5);
    expect(result.hint).toContain("lambda-rollout rollback --config FILE --env NAME");
    expect(served(h.fake("b@eu-west-1"))).toBe("1");
  });
});

/** A Step Functions port that starts executions (their names in `started`) and is never followed. */
const stepFunctions = (started: string[]): StepFunctionsPort => ({
  describeStateMachine: async (arn) => ({ stateMachineArn: arn, status: "ACTIVE" }),
  startExecution: async (arn, name) => {
    started.push(name);
    return { executionArn: `${arn.replace(":stateMachine:", ":execution:")}:${name}`, startDate: new Date() };
  },
  describeExecution: async () => {
    throw new Error("not followed");
  },
  historySince: async () => [],
  stopExecution: async () => {},
  sendTaskSuccess: async () => {
    throw new Error("no approval server-side here");
  },
});
const serverSide = (detach: boolean) => ({
  kind: "stepfunctions" as const,
  stateMachineArn: "arn:aws:states:eu-west-1:123456789012:stateMachine:orders-release",
  detach,
});

describe("credentials that would expire mid-release", () => {
  it("stop it before any write (exit 2): the worst case counts every wave and its bake", async () => {
    // Each wave: 10 min of bakes (+ 5 min of code update wait); wave 1's bake 10 min; 2 min restore margin.
    const expiration = new Date(1_700_000_000_000 + 30 * 60_000);
    const h = harness({
      credentials: { lifetime: async () => ({ expiration, refreshable: false, source: "test" }) },
    });
    const result = await h.run();
    expect(result.exitCode).toBe(2);
    expect(result.reason).toContain("2 wave(s) of the plan");
    for (const key of ["a@eu-west-1", "b@eu-west-1", "a@us-east-1"]) {
      expect(
        h
          .fake(key)
          .calls.filter((c) => !["getAlias", "getFunction", "getProvisionedConcurrency"].includes(c.op)),
      ).toEqual([]);
    }
  });

  it("run server-side (one region, detached): they need only last until the execution has started", async () => {
    // 10 minutes: less than the release's worst case (27 min), more than its start takes.
    const expiration = new Date(1_700_000_000_000 + 10 * 60_000);
    const started: string[] = [];
    const h = harness({
      functions: [
        ["a", "eu-west-1"],
        ["b", "eu-west-1"],
      ],
      credentials: { lifetime: async () => ({ expiration, refreshable: false, source: "test" }) },
      stepFunctions: stepFunctions(started),
    });
    h.request.waves = [{ regions: ["eu-west-1"], bakeMs: 10 * 60_000 }];
    h.request.engine = serverSide(true);
    const result = await h.run();
    expect(result.reason).toContain("runs release r-test-0001 (2 functions) in Step Functions");
    expect(result).toMatchObject({ outcome: "started", exitCode: 0 });
    expect(started).toHaveLength(1);
    // Every package published before the start; no alias moved by this process.
    for (const key of ["a@eu-west-1", "b@eu-west-1"]) {
      expect(h.fake(key).calls.some((c) => c.op === "publishVersion")).toBe(true);
      expect(h.fake(key).calls.some((c) => c.op === "updateAlias")).toBe(false);
    }
  });
});

describe("release marks in alias descriptions", () => {
  it("are read back only when they describe the routing in place, and old formats still parse", () => {
    const step =
      "lambda-rollout: step 1/2, 10% to v8 from v7 since 2026-11-27T05:50:00Z release=r-mhx1k2ab-9f3c wave=2/2";
    expect(parseReleaseMark(step, { version: "7", additional: { version: "8", weight: 10 } })).toEqual({
      phase: "shifting",
      tag: { id: "r-mhx1k2ab-9f3c", wave: 2, waves: 2, fromVersion: "7" },
      toVersion: "8",
    });
    expect(parseReleaseMark(step, { version: "8" })).toBeUndefined();
    expect(parseStep(step)).toMatchObject({ step: 1, weight: 10, toVersion: "8", fromVersion: "7" });
    const code = `${"A".repeat(43)}=`;
    const live = `lambda-rollout: v8 live since 2026-11-27T05:58:00Z [code=${code} config=0123456789abcdef] release=r-mhx1k2ab-9f3c wave=1/2 from=v7`;
    expect(live.length).toBeLessThanOrEqual(256);
    expect(parseReleaseMark(live, { version: "8" })).toMatchObject({
      phase: "live",
      tag: { fromVersion: "7", wave: 1 },
    });
    expect(parseLive(live, "8")).toEqual({ version: "8", codeSha256: code, config: "0123456789abcdef" });
    // A single-function deploy's descriptions carry no mark.
    expect(
      parseReleaseMark(
        `lambda-rollout: v8 live since 2026-11-27T05:58:00Z [code=${code} config=0123456789abcdef]`,
        { version: "8" },
      ),
    ).toBeUndefined();
  });
});

describe("a server-side release over the history cap", () => {
  it("is refused (exit 2) before anything is read, published or started", async () => {
    const started: string[] = [];
    const h = harness({
      functions: [
        ["a", "eu-west-1"],
        ["b", "eu-west-1"],
      ],
      stepFunctions: stepFunctions(started),
    });
    h.request.waves = [{ regions: ["eu-west-1"], bakeMs: 0 }];
    h.request.plan = buildPlan({ steps: "10%:3h,50%:2h" });
    h.request.intervalMs = 1000;
    h.request.engine = serverSide(false);
    const result = await h.run();
    expect(result.exitCode).toBe(2);
    expect(result.reason).toContain("This release's Step Functions execution could write up to");
    expect(started).toEqual([]);
    for (const key of ["a@eu-west-1", "b@eu-west-1"]) expect(h.fake(key).calls).toEqual([]);
  });
});
