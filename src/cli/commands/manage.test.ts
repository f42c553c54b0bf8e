import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { FakeLambda } from "../../../test/support/fakes.js";
import { InputError } from "../../errors.js";
import type { CliIo } from "../io.js";
import { promoteCommand } from "./promote.js";
import { rollbackCommand } from "./rollback.js";
import { statusCommand } from "./status.js";
import type { TargetFlags } from "./target.js";

const commands = { status: statusCommand, rollback: rollbackCommand, promote: promoteCommand };

/** Runs `status`/`rollback`/`promote` in-process against a fake Lambda, recording the region asked for. */
async function run(
  command: keyof typeof commands,
  flags: TargetFlags,
  cwd = tmpdir(),
  lambda = new FakeLambda("orders", "live"),
) {
  let stdout = "";
  let stderr = "";
  const regions: (string | undefined)[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd,
  };
  const outcome = await commands[command](flags, io, (region) => {
    regions.push(region);
    return lambda;
  }).then(
    (exitCode) => ({ exitCode, error: undefined }),
    (error: unknown) => ({ exitCode: undefined, error }),
  );
  return { ...outcome, stdout, stderr, regions, lambda };
}

const ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders";

describe("status, rollback and promote resolve their target like deploy", () => {
  test("a function ARN is called by its bare name, in the ARN's region", async () => {
    const result = await run("status", { function: ARN, json: true });
    expect(result.exitCode, String(result.error)).toBe(0);
    expect(result.regions).toEqual(["eu-west-1"]);
    expect(result.lambda.calls[0]).toMatchObject({ op: "getAlias", args: ["orders", "live"] });
    expect(JSON.parse(result.stdout)).toMatchObject({ function: "orders" });
  });

  test("a function ARN in the configuration, for rollback", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lr-manage-"));
    await writeFile(
      join(dir, "lambda-rollout.yml"),
      `version: 1\nenvironments:\n  prod:\n    function: "${ARN}"\n`,
    );
    const result = await run("rollback", { env: "prod", json: true }, dir);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.regions).toEqual(["eu-west-1"]);
    expect(result.lambda.calls[0]).toMatchObject({ op: "getAlias", args: ["orders", "live"] });
  });

  test.each<[keyof typeof commands, TargetFlags, RegExp]>([
    ["status", { function: `${ARN}:live` }, /alias "live"/],
    ["status", { function: "bad name" }, /letters, digits/],
  ])("status %s %j throws an InputError before any AWS call", async (command, flags, message) => {
    const result = await run(command, flags);
    expect(result.error).toBeInstanceOf(InputError);
    expect(String(result.error)).toMatch(message);
    expect(result.regions).toEqual([]);
  });

  test.each<[keyof typeof commands, TargetFlags, RegExp]>([
    ["rollback", { function: ARN, region: "us-east-1" }, /eu-west-1.*us-east-1/],
    ["promote", { function: "orders", alias: "123" }, /version number/],
  ])("%s %j ends with a failed result line, exit 2, before any AWS call", async (command, flags, message) => {
    const result = await run(command, flags);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/result: failed/);
    expect(result.stderr).toMatch(message);
    expect(result.regions).toEqual([]);
  });
});

describe("rollback of a durable function", () => {
  /** `orders` mid-roll-out from v1 to v2, both durable. */
  function split() {
    const lambda = new FakeLambda("orders", "live", { stableVersions: 2, aliasOn: "1" });
    for (const version of lambda.versions) version.durable = true;
    lambda.setRouting({ version: "1", additional: { version: "2", weight: 10 } });
    return lambda;
  }

  test("the result line says how many durable executions still run on the rolled-back version", async () => {
    const lambda = split();
    lambda.durableRunning.set("2", 3);
    const result = await run("rollback", { function: ARN, json: true }, tmpdir(), lambda);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      outcome: "rolled_back",
      durableExecutions: {
        version: "2",
        running: 3,
        listCommand:
          "aws lambda list-durable-executions-by-function --function-name orders --qualifier 2 --statuses RUNNING --region eu-west-1",
      },
    });
    expect(result.stderr).toContain("3 durable executions still run on v2");
  });

  test("a failure to list them is a warning before the result line; exit code unchanged", async () => {
    const lambda = split();
    lambda.failWhen = (op) => (op === "runningDurableExecutions" ? new Error("AccessDenied") : undefined);
    const result = await run("rollback", { function: ARN, json: true }, tmpdir(), lambda);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.type)).toEqual(["warning", "result"]);
    expect(lines[0].message).toContain("Could not check v2 for durable executions");
    expect(lines[1]).toMatchObject({ outcome: "rolled_back", exitCode: 0 });
    expect(lambda.alias).toMatchObject({ version: "1", additional: undefined });
  });
});
