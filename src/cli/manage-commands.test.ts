import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, test } from "vitest";
import { FakeLambda } from "../../test/support/fakes.js";
import type { CliIo } from "./io.js";
import { registerManageCommands } from "./manage-commands.js";

/** Runs `status`/`rollback`/`promote` in-process against a fake Lambda, recording the region asked for. */
async function run(args: string[], cwd = tmpdir()) {
  let stdout = "";
  let stderr = "";
  let exitCode: number | undefined;
  const regions: (string | undefined)[] = [];
  const lambda = new FakeLambda("orders", "live");
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd,
  };
  const program = new Command("lambda-rollout").exitOverride();
  registerManageCommands(
    program,
    io,
    (result) => (exitCode = result.exitCode),
    (region) => {
      regions.push(region);
      return lambda;
    },
  );
  await program.parseAsync(args, { from: "user" });
  return { stdout, stderr, exitCode, regions, lambda };
}

const ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders";

describe("status, rollback and promote resolve their target like deploy", () => {
  test("a function ARN is called by its bare name, in the ARN's region", async () => {
    const result = await run(["status", "--function", ARN, "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
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
    const result = await run(["rollback", "--env", "prod", "--json"], dir);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.regions).toEqual(["eu-west-1"]);
    expect(result.lambda.calls[0]).toMatchObject({ op: "getAlias", args: ["orders", "live"] });
  });

  test.each([
    [["status", "--function", `${ARN}:live`], /alias "live"/],
    [["rollback", "--function", ARN, "--region", "us-east-1"], /eu-west-1.*us-east-1/],
    [["promote", "--function", "orders", "--alias", "123"], /version number/],
    [["status", "--function", "bad name"], /letters, digits/],
  ])("%j is exit 2 before any AWS call", async (args, message) => {
    const result = await run(args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr + result.stdout).toMatch(message);
    expect(result.regions).toEqual([]);
  });
});
