import { describe, expect, test } from "vitest";
import { FakeLambda } from "../../../test/support/fakes.js";
import { AwsError, InputError } from "../../errors.js";
import type { AliasState } from "../../ports.js";
import { versionDescription } from "../prepare/publish.js";
import { liveDescription, stepDescription } from "../progress.js";
import { checkKeep, planPrune, prune } from "./prune.js";

/** fn with versions 1..n (CodeSize 1000 * n), `live` on `aliasOn`. */
function lambdaWith(n: number, aliasOn: string): FakeLambda {
  const lambda = new FakeLambda("fn", "live", { stableVersions: n, aliasOn });
  lambda.versions = lambda.versions.map((v) => ({ ...v, codeSize: 1000 * Number(v.version) }));
  return lambda;
}

const aliasNamed = (name: string, version: string, extra?: AliasState["additional"]): AliasState => ({
  functionName: "fn",
  aliasName: name,
  aliasArn: `arn:aws:lambda:us-east-1:123456789012:function:fn:${name}`,
  revisionId: "r",
  version,
  additional: extra,
});

const remaining = (lambda: FakeLambda) => lambda.versions.map((v) => v.version);

describe("prune keeps the newest N and deletes the rest, oldest first", () => {
  test("deletes what is older than the newest N and reports the code reclaimed", async () => {
    const lambda = lambdaWith(6, "6");
    const report = await prune(lambda, { functionName: "fn", keep: 2 });
    expect(report.deleted.map((v) => v.version)).toEqual(["1", "2", "3", "4"]);
    expect(report.reclaimedBytes).toBe(10_000);
    expect(report.kept).toEqual(["5", "6"]);
    expect(remaining(lambda)).toEqual(["5", "6"]);
    expect(report.summary).toContain("deleted v1, v2, v3, v4 (9.8 KB of code reclaimed)");
  });

  test("a dry run deletes nothing and says what it would delete", async () => {
    const lambda = lambdaWith(4, "4");
    const report = await prune(lambda, { functionName: "fn", keep: 1, dryRun: true });
    expect(report.deleted.map((v) => v.version)).toEqual(["1", "2", "3"]);
    expect(report.summary).toContain("would delete v1, v2, v3");
    expect(lambda.calls.filter((c) => c.op === "deleteVersion")).toEqual([]);
    expect(remaining(lambda)).toEqual(["1", "2", "3", "4"]);
  });

  test("is idempotent: a second run deletes nothing, a version gone meanwhile is fine", async () => {
    const lambda = lambdaWith(5, "5");
    await prune(lambda, { functionName: "fn", keep: 2 });
    const again = await prune(lambda, { functionName: "fn", keep: 2 });
    expect(again.deleted).toEqual([]);
    expect(again.failed).toBe(false);
    expect(again.summary).toContain("nothing to prune");

    const racing = lambdaWith(4, "4");
    const real = racing.deleteVersion.bind(racing);
    // Someone else deletes v1 between our listing and our delete.
    racing.deleteVersion = async (f, v) => {
      if (v === "1") await real(f, v);
      return await real(f, v);
    };
    const report = await prune(racing, { functionName: "fn", keep: 1 });
    expect(report.alreadyGone).toEqual(["1"]);
    expect(report.deleted.map((v) => v.version)).toEqual(["2", "3"]);
  });
});

describe("prune never deletes a version something may need", () => {
  test("every alias's versions, both sides of a routing config", () => {
    const lambda = lambdaWith(10, "9");
    const plan = planPrune(
      lambda.versions,
      [aliasNamed("live", "5", { version: "6", weight: 10 }), aliasNamed("staging", "2")],
      2,
    );
    expect(plan.delete.map((v) => v.version)).toEqual(["1", "3", "4", "7", "8"]);
    expect(plan.protected).toEqual([
      { version: "2", reasons: ["alias staging points at it"] },
      { version: "5", reasons: ["alias live routes 90% to it"] },
      { version: "6", reasons: ["alias live routes 10% to it"] },
    ]);
  });

  test("the version the live one replaced, from the alias description", () => {
    const lambda = lambdaWith(6, "6");
    const live = { ...aliasNamed("live", "6"), description: liveDescription(undefined, "6", 0, "3") };
    const plan = planPrune(lambda.versions, [live], 1);
    expect(plan.protected).toEqual([{ version: "3", reasons: ["alias live's live v6 replaced it"] }]);
  });

  test("the version the live one replaced, from the live version's own description (older aliases)", () => {
    const lambda = lambdaWith(6, "6");
    const six = lambda.versions[5];
    if (six) six.description = versionDescription("ab".repeat(32), "4");
    const plan = planPrune(lambda.versions, [aliasNamed("live", "6")], 1);
    expect(plan.protected.map((p) => p.version)).toEqual(["4"]);
  });

  test("both versions of a roll-out in progress, even after its split was resolved by hand", () => {
    const lambda = lambdaWith(8, "8");
    const promotedByHand = {
      ...aliasNamed("live", "8"),
      description: stepDescription({ step: 1, steps: 2, weight: 10, toVersion: "8", fromVersion: "5" }, 0),
    };
    const plan = planPrune(lambda.versions, [promotedByHand], 1);
    expect(plan.protected.map((p) => p.version)).toEqual(["5"]);
    expect(plan.protected[0]?.reasons[0]).toContain("roll-out in progress from it");
  });

  test("$LATEST is never a candidate, and fewer versions than N means nothing to do", () => {
    const lambda = lambdaWith(2, "2");
    const plan = planPrune([lambda.latest, ...lambda.versions], [aliasNamed("live", "$LATEST")], 5);
    expect(plan.delete).toEqual([]);
    expect(plan.newest).toEqual(["1", "2"]);
  });

  test("a version an alias started to use meanwhile is refused by Lambda and reported, not fatal", async () => {
    const lambda = lambdaWith(4, "4");
    const real = lambda.listAliases.bind(lambda);
    lambda.listAliases = async (f) => {
      const listed = await real(f);
      lambda.otherAliases = [aliasNamed("hotfix", "2")]; // appears after the listing
      return listed;
    };
    const report = await prune(lambda, { functionName: "fn", keep: 1 });
    expect(report.deleted.map((v) => v.version)).toEqual(["1", "3"]);
    expect(report.skipped).toEqual([{ version: "2", reason: expect.stringContaining("hotfix") }]);
    expect(report.failed).toBe(false);
    expect(remaining(lambda)).toEqual(["2", "4"]);
  });

  test("a deletion that fails otherwise stops the run and marks it failed", async () => {
    const lambda = lambdaWith(4, "4");
    lambda.failWhen = (op) =>
      op === "deleteVersion"
        ? new AwsError("AccessDenied: lambda:DeleteFunction", { status: 403 })
        : undefined;
    const report = await prune(lambda, { functionName: "fn", keep: 1 });
    expect(report.failed).toBe(true);
    expect(lambda.calls.filter((c) => c.op === "deleteVersion")).toHaveLength(1);
    expect(remaining(lambda)).toEqual(["1", "2", "3", "4"]);
  });
});

test.each([0, -1, 1.5, Number.NaN])("--keep %s is invalid input", (keep) => {
  expect(() => checkKeep(keep)).toThrow(InputError);
});
