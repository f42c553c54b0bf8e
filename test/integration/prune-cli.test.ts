/**
 * `lambda-rollout prune` through the real binary against moto. moto deletes whatever it is asked to,
 * aliased versions included (AWS would refuse those), so everything kept here was kept by prune itself.
 * What remains is read with an independent SDK client.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CreateAliasCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { clients, createTarget, packageBytes, runCli } from "../support/lambda-fixtures.js";
import { type Moto, startMoto } from "../support/moto.js";

let moto: Moto;
let counter = 0;

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

/** Function with versions 1..9 (different code each), `live` on v7 (it replaced v5), `staging` 2 → 20% 3. */
async function functionWithHistory() {
  const target = await createTarget(moto, `prune-${++counter}`);
  const { lambda } = clients(moto);
  for (let n = 2; n <= 9; n++) {
    // Bigger code for later versions, so the sizes reclaimed say which versions went.
    const code = packageBytes(`v${n}-${"x".repeat(n * 100)}`);
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: target.name, ZipFile: code }));
    await lambda.send(new PublishVersionCommand({ FunctionName: target.name }));
  }
  await lambda.send(
    new UpdateAliasCommand({
      FunctionName: target.name,
      Name: "live",
      FunctionVersion: "7",
      Description: "lambda-rollout: v7 live since 2026-11-27T05:58:00Z (replaced v5)",
    }),
  );
  await lambda.send(
    new CreateAliasCommand({
      FunctionName: target.name,
      Name: "staging",
      FunctionVersion: "2",
      RoutingConfig: { AdditionalVersionWeights: { "3": 0.2 } },
    }),
  );
  return target;
}

async function versionsOf(name: string): Promise<{ version: string; size: number }[]> {
  const reply = await clients(moto).lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
  return (reply.Versions ?? [])
    .filter((v) => v.Version !== "$LATEST")
    .map((v) => ({ version: v.Version as string, size: v.CodeSize ?? 0 }));
}

describe("prune against moto", () => {
  test("deletes only what nothing needs, reports the code reclaimed, and is idempotent", async () => {
    const target = await functionWithHistory();
    const before = await versionsOf(target.name);
    expect(before.map((v) => v.version)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    const sizeOf = (version: string) => before.find((v) => v.version === version)?.size ?? 0;

    const dry = await runCli(moto, [
      "prune",
      "--function",
      target.name,
      "--keep",
      "2",
      "--dry-run",
      "--json",
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout) as { deleted: { version: string }[]; reclaimedBytes: number };
    expect(planned.deleted.map((v) => v.version)).toEqual(["1", "4", "6"]);
    expect((await versionsOf(target.name)).length).toBe(9);

    const run = await runCli(moto, ["prune", "--function", target.name, "--keep", "2"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("deleted v1");
    expect(run.stdout).toContain("kept v5: alias live's live v7 replaced it");
    expect(run.stdout).toContain("kept v3: alias staging routes 20% to it");
    expect((await versionsOf(target.name)).map((v) => v.version)).toEqual(["2", "3", "5", "7", "8", "9"]);
    expect(planned.reclaimedBytes).toBe(sizeOf("1") + sizeOf("4") + sizeOf("6"));

    const again = await runCli(moto, ["prune", "--function", target.name, "--keep", "2", "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ deleted: [], reclaimedBytes: 0, failed: false });
    expect((await versionsOf(target.name)).length).toBe(6);
  });

  test.each([["0"], ["-1"], ["1.5"], ["two"]])("--keep %s is exit 2 and deletes nothing", async (keep) => {
    const target = await createTarget(moto, `prune-bad-${++counter}`);
    const run = await runCli(moto, ["prune", "--function", target.name, `--keep=${keep}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--keep");
    expect((await versionsOf(target.name)).length).toBe(1);
  });

  test("without --keep, the environment's prune.keep is used; neither is exit 2", async () => {
    const target = await functionWithHistory();
    await writeFile(
      join(target.dir, "lambda-rollout.yml"),
      `version: 1\nenvironments:\n  production:\n    function: ${target.name}\n    region: us-east-1\n    prune: { keep: 4 }\n`,
    );
    const none = await runCli(moto, ["prune", "--function", target.name]);
    expect(none.code).toBe(2);
    const run = await runCli(moto, ["prune", "--env", "production", "--json"], target.dir);
    expect(run.code, run.stderr).toBe(0);
    expect((await versionsOf(target.name)).map((v) => v.version)).toEqual([
      "2",
      "3",
      "5",
      "6",
      "7",
      "8",
      "9",
    ]);
  });

  test("deploy with prune: { keep: N } prunes after promoting, keeping the version it replaced", async () => {
    const target = await functionWithHistory();
    await writeFile(
      join(target.dir, "lambda-rollout.yml"),
      [
        "version: 1",
        "environments:",
        "  production:",
        `    function: ${target.name}`,
        "    region: us-east-1",
        `    artifact: { bucket: ${target.bucket} }`,
        "    strategy: AllAtOnce",
        "    prune: { keep: 1 }",
        "",
      ].join("\n"),
    );
    const run = await runCli(
      moto,
      ["deploy", "--env", "production", "--zip", target.v3, "--json"],
      target.dir,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.events.at(-1)).toMatchObject({ type: "result", outcome: "promoted", toVersion: "10" });
    // v10 live (newest), v7 is what it replaced, staging keeps 2 and 3: the rest is gone.
    expect((await versionsOf(target.name)).map((v) => v.version)).toEqual(["2", "3", "7", "10"]);
  });
});
