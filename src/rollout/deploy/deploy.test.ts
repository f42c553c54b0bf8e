import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { beforeAll, describe, expect, test } from "vitest";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../../test/support/fakes.js";
import { sha256 } from "../../artifact/hash.js";
import { buildPlan } from "../../plan/plan.js";
import type { StampedEvent } from "../events.js";
import { previousVersionOf, versionDescription } from "../prepare/publish.js";
import { type DeployRequest, deploy } from "./deploy.js";

let dir: string;
let zip: string;
let zipSha: { hex: string; base64: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lr-deploy-"));
  const bytes = zipSync({
    "handler.mjs": new TextEncoder().encode("export const handler = async () => ({});"),
  });
  zip = join(dir, "fn.zip");
  await writeFile(zip, bytes);
  zipSha = sha256(bytes);
  await writeFile(
    join(dir, "wrong.zip"),
    zipSync({ "index.js": new TextEncoder().encode("exports.handler=1") }),
  );
});

/** v1 live; the package deploys as v2 (UpdateFunctionCode yields the package's CodeSha256). */
function setup(options: { aliasOn?: string } = {}) {
  const lambda = new FakeLambda("fn", "live", { stableVersions: 1, aliasOn: options.aliasOn ?? "1" });
  lambda.shaFor = () => zipSha.base64;
  const artifacts = new FakeArtifacts();
  const clock = new FakeClock();
  const events: StampedEvent[] = [];
  const run = (extra: Partial<DeployRequest> = {}) =>
    deploy(
      {
        functionName: "fn",
        aliasName: "live",
        source: { zip, bucket: "artifacts", prefix: "/builds/" },
        plan: buildPlan({ steps: "10%:1m" }),
        ...extra,
      },
      { lambda, artifacts, alarms: new FakeAlarms(), clock, emit: (e) => events.push(e) },
    );
  return { lambda, artifacts, clock, events, run };
}

describe("the package", () => {
  test("is uploaded once under PREFIX/FUNCTION/SHA256.zip, then published guarded by its CodeSha256", async () => {
    const { lambda, artifacts, events, run } = setup();
    const result = await run();
    expect(result).toMatchObject({ outcome: "promoted", fromVersion: "1", toVersion: "2" });
    expect([...artifacts.objects.keys()]).toEqual([`artifacts/builds/fn/${zipSha.hex}.zip`]);
    expect(lambda.calls.find((c) => c.op === "publishVersion")?.args[1]).toBe(zipSha.base64);
    expect(events.find((e) => e.type === "artifact")).toMatchObject({ uploaded: true });
  });

  test("its key is read once: what validation found there is what the upload goes by", async () => {
    const { artifacts, run } = setup();
    await run();
    expect(artifacts.calls.map((c) => c.op)).toEqual(["head", "put"]);
  });

  test("a missing artifact bucket: exit 2 before any write, even the baseline of an alias on $LATEST", async () => {
    const { lambda, artifacts, run } = setup({ aliasOn: "$LATEST" });
    artifacts.missingBuckets.add("artifacts");
    const result = await run();
    expect(result).toMatchObject({
      outcome: "failed",
      exitCode: 2,
      reason: "S3 bucket artifacts does not exist.",
    });
    const writes = ["updateAlias", "publishVersion", "updateFunctionCode"];
    expect(lambda.calls.filter((c) => writes.includes(c.op))).toEqual([]);
    expect(artifacts.calls.map((c) => c.op)).toEqual(["head"]);
  });

  test("already in S3 (a re-run after a rollback): the upload is skipped", async () => {
    const { artifacts, events, run } = setup();
    artifacts.objects.set(`artifacts/builds/fn/${zipSha.hex}.zip`, new Uint8Array());
    artifacts.checksums.set(`artifacts/builds/fn/${zipSha.hex}.zip`, zipSha.base64);
    await run();
    expect(events.find((e) => e.type === "artifact")).toMatchObject({ uploaded: false });
  });

  test("the same package already live: noop, nothing uploaded or published", async () => {
    const { lambda, artifacts, run } = setup();
    (lambda.versions[0] as { codeSha256: string }).codeSha256 = zipSha.base64;
    const result = await run();
    expect(result).toMatchObject({ outcome: "noop", exitCode: 0, toVersion: "1" });
    expect(artifacts.objects.size).toBe(0);
    expect(lambda.calls.some((c) => c.op === "updateFunctionCode" || c.op === "publishVersion")).toBe(false);
  });

  test("the same package but settings changed in $LATEST (Terraform): published and rolled out, code not re-sent", async () => {
    const { lambda, events, run } = setup();
    const live = lambda.versions[0] as { codeSha256: string; configuration?: Record<string, string> };
    live.codeSha256 = zipSha.base64;
    live.configuration = { Environment: '{"TABLE":"old"}', Layers: "[]", MemorySize: "128" };
    lambda.latest = {
      ...lambda.latest,
      codeSha256: zipSha.base64,
      configuration: { Environment: '{"TABLE":"new"}', Layers: '["arn:layer:1"]', MemorySize: "128" },
    };
    const result = await run();
    expect(result).toMatchObject({ outcome: "promoted", fromVersion: "1", toVersion: "2" });
    expect(lambda.calls.some((c) => c.op === "updateFunctionCode")).toBe(false);
    expect(lambda.versions[1]?.configuration?.Environment).toBe('{"TABLE":"new"}');
    const plan = events.find((e) => e.type === "info" && e.message.startsWith("Plan for"));
    expect(plan).toMatchObject({
      message: expect.stringContaining("changes: configuration: Environment, Layers"),
    });
  });

  test("the same package and the same settings: noop, whatever else differs", async () => {
    const { lambda, run } = setup();
    const settings = { Environment: '{"TABLE":"t"}', Timeout: "3" };
    Object.assign(lambda.versions[0] as object, { codeSha256: zipSha.base64, configuration: settings });
    lambda.latest = { ...lambda.latest, configuration: { ...settings } };
    const result = await run();
    expect(result).toMatchObject({ outcome: "noop", toVersion: "1" });
    expect(lambda.calls.some((c) => c.op === "publishVersion")).toBe(false);
  });

  test("without the handler's file: exit 2 before any write", async () => {
    const { lambda, artifacts, run } = setup();
    const result = await run({ source: { zip: join(dir, "wrong.zip"), bucket: "artifacts" } });
    expect(result).toMatchObject({ outcome: "failed", exitCode: 2 });
    expect(result.reason).toContain('no file for the function\'s handler "handler.handler"');
    expect(result.hint).toContain("handler.js or handler.mjs or handler.cjs");
    expect(artifacts.objects.size).toBe(0);
    expect(lambda.calls.map((c) => c.op)).not.toContain("updateFunctionCode");
  });
});

describe("the code update", () => {
  test("LastUpdateStatus=Failed: exit 4 naming the function and the reason; the alias untouched", async () => {
    const { lambda, run } = setup();
    lambda.updateFunctionCode = async () => {
      lambda.latest = {
        ...lambda.latest,
        codeSha256: zipSha.base64,
        lastUpdateStatus: "Failed",
        lastUpdateStatusReason: "Unzipped size too large",
      };
      return { ...lambda.latest, lastUpdateStatus: "InProgress" };
    };
    const result = await run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 4 });
    expect(result.reason).toBe("The code update of fn failed: Unzipped size too large.");
    expect(lambda.writes()).toEqual([]);
  });

  test("an update that never settles: bounded wait, exit 4", async () => {
    const { lambda, clock, run } = setup();
    lambda.updateFunctionCode = async () => {
      lambda.latest = { ...lambda.latest, codeSha256: zipSha.base64, lastUpdateStatus: "InProgress" };
      return { ...lambda.latest };
    };
    const start = clock.now();
    const result = await run({ updateTimeoutMs: 30_000 });
    expect(result).toMatchObject({ exitCode: 4 });
    expect(result.reason).toContain("did not finish within 30 s (LastUpdateStatus=InProgress)");
    expect(clock.now() - start).toBeGreaterThanOrEqual(30_000);
    expect(lambda.writes()).toEqual([]);
  });

  test("Lambda reporting other code than the package: exit 4, nothing published", async () => {
    const { lambda, run } = setup();
    lambda.shaFor = () => "someone-else's-code";
    const result = await run();
    expect(result).toMatchObject({ exitCode: 4 });
    expect(result.reason).toContain("someone-else's-code");
    expect(lambda.calls.map((c) => c.op)).not.toContain("publishVersion");
  });
});

describe("the alias", () => {
  test("on $LATEST: $LATEST is published as a baseline first, then the plan runs as requested", async () => {
    const { lambda, events, run } = setup({ aliasOn: "$LATEST" });
    const result = await run({ plan: buildPlan({ strategy: "Canary10Percent30Minutes" }) });
    // v1 exists already; the baseline of $LATEST becomes v2 and the package v3.
    expect(result).toMatchObject({ outcome: "promoted", fromVersion: "2", toVersion: "3" });
    expect(lambda.writes()).toEqual([
      { version: "2" },
      { version: "2", additional: { version: "3", weight: 10 } },
      { version: "3" },
    ]);
    expect(lambda.versions[1]).toMatchObject({ version: "2", codeSha256: "sha-1" });
    expect(lambda.calls.find((c) => c.op === "publishVersion")?.args[1]).toBe("sha-1");
    // The normal first deploy after Terraform: an info line, not a warning.
    expect(events.find((e) => e.type === "info" && e.message.includes("$LATEST"))).toMatchObject({
      message: expect.stringContaining("published as a baseline version"),
    });
    expect(events.filter((e) => e.type === "warning" && e.message.includes("$LATEST"))).toEqual([]);
    // `$LATEST`, not `v$LATEST`.
    expect(events.find((e) => e.type === "info" && e.message.startsWith("Plan for"))).toMatchObject({
      message: expect.stringContaining("(now 100% $LATEST; changes: code)"),
    });
  });

  test("on $LATEST, a failing smoke check puts the old code back (the baseline), not the new one", async () => {
    const { lambda, run } = setup({ aliasOn: "$LATEST" });
    lambda.invokeResult = () => ({ statusCode: 200, functionError: "Unhandled", payload: "boom" });
    const result = await run({ smoke: [{ payload: "{}" }] });
    expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1, fromVersion: "2", toVersion: "3" });
    expect(lambda.alias).toMatchObject({ version: "2", additional: undefined });
    expect(lambda.versions.find((v) => v.version === "2")?.codeSha256).toBe("sha-1");
  });

  test("on $LATEST already holding the package: pinned to a baseline version, nothing else moves", async () => {
    const { lambda, run } = setup({ aliasOn: "$LATEST" });
    lambda.latest = { ...lambda.latest, codeSha256: zipSha.base64 };
    const result = await run();
    expect(result).toMatchObject({
      outcome: "promoted",
      exitCode: 0,
      fromVersion: "$LATEST",
      toVersion: "2",
    });
    expect(lambda.writes()).toEqual([{ version: "2" }]);
    expect(lambda.calls.some((c) => c.op === "updateFunctionCode")).toBe(false);
    expect(lambda.versions[1]?.codeSha256).toBe(zipSha.base64);
  });

  test("on $LATEST, a dry run says what would happen and writes nothing", async () => {
    const { lambda, events, run } = setup({ aliasOn: "$LATEST" });
    const result = await run({ dryRun: true });
    expect(result).toMatchObject({ outcome: "noop", exitCode: 0, dryRun: true });
    expect(lambda.writes()).toEqual([]);
    expect(lambda.calls.some((c) => c.op === "publishVersion")).toBe(false);
    expect(events.some((e) => e.type === "info" && e.message.includes("baseline"))).toBe(true);
  });

  test("a RevisionId precondition failure while the routing is still ours: carry on (description edited)", async () => {
    const { lambda, events, run } = setup();
    lambda.failWhen = (op, n) => {
      if (op === "updateAlias" && n === 2) lambda.touchRevision();
      return undefined;
    };
    const result = await run();
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(lambda.alias).toMatchObject({ version: "2", additional: undefined });
    expect(events.some((e) => e.type === "info" && e.message.includes("RevisionId changed"))).toBe(true);
  });

  test("a routing changed by someone else: exit 3, no further writes, their routing left alone", async () => {
    const { lambda, run } = setup();
    lambda.failWhen = (op, n) => {
      if (op === "updateAlias" && n === 2)
        lambda.setRouting({ version: "1", additional: { version: "2", weight: 30 } });
      return undefined;
    };
    const result = await run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 3 });
    expect(result.reason).toContain("found 70% v1 / 30% v2");
    expect(lambda.calls.filter((c) => c.op === "updateAlias")).toHaveLength(2);
    expect(lambda.alias.additional).toEqual({ version: "2", weight: 30 });
  });

  test("--version of the version already live: noop", async () => {
    const { lambda, run } = setup();
    const result = await run({ source: { version: "1" } });
    expect(result).toMatchObject({ outcome: "noop", exitCode: 0 });
    expect(lambda.writes()).toEqual([]);
  });

  test("--version of a version that does not exist: exit 2", async () => {
    const { run } = setup();
    const result = await run({ source: { version: "9" } });
    expect(result).toMatchObject({ outcome: "failed", exitCode: 2 });
    expect(result.reason).toContain("fn:9");
  });
});

test("a published version names the version it replaced, and only ours are read back", () => {
  expect(previousVersionOf(versionDescription("ab".repeat(32), "7"))).toBe("7");
  expect(previousVersionOf(versionDescription("ab".repeat(32), "$LATEST"))).toBe("$LATEST");
  expect(previousVersionOf("hotfix by hand (previous v7)")).toBeUndefined();
  expect(previousVersionOf(undefined)).toBeUndefined();
});

describe("progress and the live version's record live in the alias description", () => {
  test("each shift writes the step, the promotion writes what the live version is made of", async () => {
    const { lambda, run } = setup();
    await run({ plan: buildPlan({ steps: "10%:1m,50%:1m" }) });
    const descriptions = lambda.calls.filter((c) => c.op === "updateAlias").map((c) => c.args[2] as string);
    expect(descriptions[0]).toMatch(/^lambda-rollout: step 1\/3, 10% to v2 from v1 since \S+Z$/);
    expect(descriptions[1]).toMatch(/^lambda-rollout: step 2\/3, 50% to v2 from v1 since /);
    expect(descriptions[2]).toMatch(
      new RegExp(
        `^lambda-rollout: v2 live since \\S+ \\(replaced v1\\) \\[code=${zipSha.base64.replace(/[+/]/g, "\\$&")} config=[0-9a-f]{16}\\]$`,
      ),
    );
  });

  test("the next deploy of the same package is a noop without reading the live version again", async () => {
    const { lambda, run } = setup();
    await run();
    const calls = lambda.calls.length;
    const again = await run();
    expect(again).toMatchObject({ outcome: "noop", toVersion: "2" });
    const reads = lambda.calls
      .slice(calls)
      .filter((c) => c.op === "getFunction")
      .map((c) => c.args[1]);
    expect(reads).toEqual([undefined]); // $LATEST only
  });

  test("a record that does not describe the routing in place is ignored: the live version is read", async () => {
    const { lambda, run } = setup();
    await run();
    lambda.setRouting({ version: "1" }); // someone pointed the alias back by hand, description untouched
    const calls = lambda.calls.length;
    const result = await run();
    expect(result.outcome).toBe("promoted");
    const reads = lambda.calls
      .slice(calls)
      .filter((c) => c.op === "getFunction")
      .map((c) => c.args[1]);
    expect(reads).toContain("1");
  });
});
