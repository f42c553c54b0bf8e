import { tmpdir } from "node:os";
import { describe, expect, test } from "vitest";
import { FakeLambda } from "../../../test/support/fakes.js";
import { AwsError, ExitCode, InputError } from "../../errors.js";
import type { CliIo } from "../io.js";
import { runCli } from "../main.js";
import { type PruneFlags, pruneCommand } from "./prune.js";

function io() {
  const out = { stdout: "", stderr: "" };
  const value: CliIo = {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    env: {},
    cwd: tmpdir(),
  };
  return { io: value, out };
}

async function prune(
  flags: PruneFlags,
  lambda = new FakeLambda("orders", "live", { stableVersions: 4, aliasOn: "4" }),
) {
  const { io: cliIo, out } = io();
  const regions: (string | undefined)[] = [];
  const code = await pruneCommand(flags, cliIo, (region) => {
    regions.push(region);
    return lambda;
  });
  return { code, ...out, lambda, regions };
}

describe("lambda-rollout prune (in-process, fake Lambda)", () => {
  test("--json prints one object; an ARN is pruned by name in its region", async () => {
    const run = await prune({
      function: "arn:aws:lambda:eu-west-1:123456789012:function:orders",
      keep: "2",
      json: true,
    });
    expect(run.code).toBe(ExitCode.ok);
    expect(run.regions).toEqual(["eu-west-1"]);
    expect(JSON.parse(run.stdout)).toMatchObject({
      type: "prune",
      function: "orders",
      deleted: [{ version: "1" }, { version: "2" }],
      kept: ["3", "4"],
    });
  });

  test("a deletion that fails is exit 4 and says what was done", async () => {
    const lambda = new FakeLambda("orders", "live", { stableVersions: 4, aliasOn: "4" });
    lambda.failWhen = (op, n) =>
      op === "deleteVersion" && n === 2 ? new AwsError("AccessDenied", { status: 403 }) : undefined;
    const run = await prune({ function: "orders", keep: "1" }, lambda);
    expect(run.code).toBe(ExitCode.awsError);
    expect(run.stdout).toContain("deleted v1");
    expect(run.stderr).toContain("Pruning orders stopped: AccessDenied");
  });

  test.each(["0", "-3", "2.5", "x"])("--keep %s is invalid input, before any AWS call", async (keep) => {
    const lambda = new FakeLambda("orders", "live");
    await expect(prune({ function: "orders", keep }, lambda)).rejects.toBeInstanceOf(InputError);
    expect(lambda.calls).toEqual([]);
  });
});

describe("--help", () => {
  test("prune documents --keep, --dry-run, what is never deleted and its exit codes", async () => {
    const { io: cliIo, out } = io();
    expect(await runCli(["prune", "--help"], cliIo)).toBe(0);
    for (const text of ["--keep <n>", "--dry-run", "--json", "Never deleted", "Exit codes: 0"]) {
      expect(out.stdout).toContain(text);
    }
  });

  test("deploy documents --allow-firing-alarms", async () => {
    const { io: cliIo, out } = io();
    expect(await runCli(["deploy", "--help"], cliIo)).toBe(0);
    expect(out.stdout).toContain("--allow-firing-alarms");
  });
});
