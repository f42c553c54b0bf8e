import { expect, test } from "vitest";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../../test/support/fakes.js";
import { AwsError, CredentialsExpiredError } from "../../errors.js";
import { buildPlan } from "../../plan/plan.js";
import { deploy } from "./deploy.js";

/**
 * The last line of defence: the credentials stop working mid-bake, after the check before the first
 * write passed (or could not tell). Every call fails from then on, the rollback's included.
 */
async function failAfterFirstShift(failure: Error) {
  const lambda = new FakeLambda("fn", "live", { stableVersions: 2, aliasOn: "1" });
  const alarms = new FakeAlarms(["errors"]);
  lambda.failWhen = (op, n) =>
    // Reads: validation, before the first shift, the first poll; then the restore's.
    (op === "updateAlias" && n > 1) || (op === "getAlias" && n > 4) ? failure : undefined;
  const describe = alarms.describeAlarms.bind(alarms);
  let reads = 0;
  alarms.describeAlarms = async (names) => {
    // The pre-flight check and the pre-traffic gate pass; the first poll of the 10% bake fails.
    if (++reads > 2) throw failure;
    return await describe(names);
  };
  const result = await deploy(
    {
      functionName: "fn",
      aliasName: "live",
      source: { version: "2" },
      plan: buildPlan({ steps: "10%:30m" }),
      alarms: ["errors"],
      intervalMs: 60_000,
    },
    { lambda, alarms, artifacts: new FakeArtifacts(), clock: new FakeClock() },
  );
  return { lambda, result };
}

test("credentials expiring mid-bake: exit 5, the split it left, and the command to run with fresh ones", async () => {
  const expired = new CredentialsExpiredError(
    "UpdateAlias on alias live of function fn: the AWS credentials expired or are no longer valid (ExpiredTokenException (HTTP 403): The security token included in the request is expired).",
    { code: "ExpiredTokenException", status: 403 },
  );
  const { lambda, result } = await failAfterFirstShift(expired);
  expect(result).toMatchObject({ outcome: "failed", exitCode: 5, fromVersion: "1", toVersion: "2" });
  expect(result.reason).toContain(
    "the AWS credentials expired or are no longer valid (ExpiredTokenException)",
  );
  expect(result.reason).toContain("It was left as this run last set it: 90% v1 / 10% v2.");
  expect(result.hint).toContain(
    "With fresh AWS credentials, run:\nlambda-rollout rollback --function fn --alias live",
  );
  expect(lambda.writes()).toEqual([
    { version: "1", additional: { version: "2", weight: 10 } },
    { version: "1" },
  ]);
});

test("any other restore failure keeps the generic exit-5 message", async () => {
  const { result } = await failAfterFirstShift(new AwsError("ServiceException (HTTP 500)"));
  expect(result).toMatchObject({ outcome: "failed", exitCode: 5 });
  expect(result.reason).not.toContain("credentials");
  expect(result.hint).toContain("lambda-rollout rollback --function fn --alias live");
});
