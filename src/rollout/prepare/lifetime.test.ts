import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { beforeAll, describe, expect, test } from "vitest";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../../test/support/fakes.js";
import { sha256 } from "../../artifact/hash.js";
import { InputError } from "../../errors.js";
import { buildPlan } from "../../plan/plan.js";
import type { CredentialsLifetime, CredentialsPort } from "../../ports.js";
import { type DeployRequest, deploy, worstCaseOf } from "../deploy/deploy.js";
import type { RolloutEvent, StampedEvent } from "../events.js";
import { assertCredentialsOutlive, suggestedSessionSeconds, worstCaseDuration } from "./lifetime.js";

const MINUTE = 60_000;
const NOW = 1_700_000_000_000;

/** A credentials port whose answer the test sets; counts how often it is asked. */
class FakeCredentials implements CredentialsPort {
  reads = 0;
  constructor(private readonly answer: CredentialsLifetime) {}
  async lifetime(): Promise<CredentialsLifetime> {
    this.reads += 1;
    return this.answer;
  }
}

const expiringIn = (ms: number, rest: Partial<CredentialsLifetime> = {}): CredentialsLifetime => ({
  expiration: new Date(NOW + ms),
  refreshable: false,
  source: "environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
  ...rest,
});

describe("the worst-case duration of a plan", () => {
  test("adds every bake, an extension per bake, hook timeouts, the update wait and the restore margin", () => {
    // The case: Canary10Percent30Minutes with a 30-minute final bake runs past an hour.
    const worst = worstCaseDuration({
      plan: buildPlan({ strategy: "Canary10Percent30Minutes", finalBake: "30m" }),
      maxExtensionMs: 5 * MINUTE,
      hooks: 2,
      hookTimeoutMs: 5 * MINUTE,
      updateWaitMs: 5 * MINUTE,
      restoreTimeoutMs: 2 * MINUTE,
    });
    expect(worst.parts).toEqual([
      { what: "bakes", ms: 60 * MINUTE },
      { what: "inconclusive extensions", ms: 10 * MINUTE },
      { what: "hook timeouts", ms: 10 * MINUTE },
      { what: "code update wait", ms: 5 * MINUTE },
      { what: "restore margin", ms: 2 * MINUTE },
    ]);
    expect(worst.totalMs).toBe(87 * MINUTE);
  });

  test("all at once without gates or hooks leaves the update wait and the restore margin", () => {
    const worst = worstCaseDuration({
      plan: buildPlan({ strategy: "AllAtOnce" }),
      maxExtensionMs: 5 * MINUTE,
      hooks: 0,
      hookTimeoutMs: 5 * MINUTE,
      updateWaitMs: 5 * MINUTE,
      restoreTimeoutMs: 2 * MINUTE,
    });
    // No bake, so nothing to extend.
    expect(worst.parts.map((p) => p.what)).toEqual(["code update wait", "restore margin"]);
    expect(worst.totalMs).toBe(7 * MINUTE);
  });

  test("from a deploy request: linear steps, defaults for hooks, update and restore", () => {
    const request: DeployRequest = {
      functionName: "fn",
      aliasName: "live",
      source: { zip: "x.zip", bucket: "b" },
      plan: buildPlan({ strategy: "Linear10PercentEvery1Minute" }),
      hooks: { preTraffic: ["./check.sh"] },
      restoreTimeoutMs: 3 * MINUTE,
    };
    // 9 steps of 1 min, one hook at the 5-min default, a 5-min update wait, a 3-min restore.
    expect(worstCaseOf(request, request.plan).totalMs).toBe((9 + 5 + 5 + 3) * MINUTE);
    const existing = { ...request, source: { version: "7" }, restoreTimeoutMs: undefined };
    expect(worstCaseOf(existing, request.plan).totalMs).toBe((9 + 5 + 2) * MINUTE);
  });

  test("suggests a session of whole quarter hours covering the worst case plus the job's earlier steps", () => {
    const of = (minutes: number) => suggestedSessionSeconds({ totalMs: minutes * MINUTE, parts: [] });
    expect(of(17)).toBe(3_600);
    expect(of(87)).toBe(6_300); // 87 + 15 = 102 min -> 105 min
  });
});

describe("credentials against the worst case", () => {
  const worst = { totalMs: 87 * MINUTE, parts: [{ what: "bakes", ms: 87 * MINUTE }] };
  const check = async (answer: CredentialsLifetime | undefined, serverSide = true) => {
    const events: RolloutEvent[] = [];
    const port = answer ? new FakeCredentials(answer) : undefined;
    const outcome = await assertCredentialsOutlive(port, worst, {
      now: NOW,
      emit: (e) => events.push(e),
      serverSide,
    }).then(
      () => "passed" as const,
      (error: unknown) => error,
    );
    return { outcome, events };
  };

  test("expiring after the worst case: passes and says until when they are valid", async () => {
    const { outcome, events } = await check(expiringIn(120 * MINUTE));
    expect(outcome).toBe("passed");
    expect(events).toEqual([
      {
        type: "info",
        message:
          "AWS credentials from environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) are valid until 2023-11-15T00:13:20Z (120 min); this roll-out takes up to 87 min (bakes 87 min).",
      },
    ]);
  });

  test("expiring before the worst case and not renewable: exit 2 with the numbers and the fixes", async () => {
    const { outcome } = await check(expiringIn(60 * MINUTE));
    expect(outcome).toBeInstanceOf(InputError);
    const error = outcome as InputError;
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain("expire at 2023-11-14T23:13:20Z (in 60 min)");
    expect(error.message).toContain("may take up to 87 min (bakes 87 min)");
    expect(error.message).toContain("environment variables");
    expect(error.message).toContain("Nothing was changed.");
    expect(error.hint).toContain("`role-duration-seconds: 6300`");
    expect(error.hint).toContain("deployer_max_session_duration_seconds");
    expect(error.hint).toContain("a shorter plan");
    expect(error.hint).toContain("`--engine stepfunctions --state-machine ARN`");
    expect(error.hint).toContain("only need to last until the execution has started");
    expect(error.hint).not.toContain("not available");
  });

  test("a roll-out that cannot run server-side (a release across regions) is not offered --engine stepfunctions", async () => {
    const { outcome } = await check(expiringIn(60 * MINUTE), false);
    expect((outcome as InputError).hint).not.toContain("--engine stepfunctions");
    expect((outcome as InputError).hint).toContain("a shorter plan");
  });

  test("already expired: says how long ago", async () => {
    const { outcome } = await check(expiringIn(-3 * MINUTE));
    expect((outcome as InputError).message).toContain("(3 min ago)");
  });

  test("a plan longer than any role session: the session fix says so", async () => {
    const long = { totalMs: 13 * 60 * MINUTE, parts: [{ what: "bakes", ms: 13 * 60 * MINUTE }] };
    const error = await assertCredentialsOutlive(new FakeCredentials(expiringIn(60 * MINUTE)), long, {
      now: NOW,
      emit: () => {},
    }).catch((e: unknown) => e as InputError);
    expect(error?.hint).toContain("no role session is long enough");
  });

  test("expiring before the worst case but renewed by the provider: passes, says so, warns about the caveat", async () => {
    const { outcome, events } = await check(
      expiringIn(30 * MINUTE, {
        refreshable: true,
        source: "IAM Identity Center (SSO)",
        caveat: "Renewing them needs the SSO session to stay valid.",
      }),
    );
    expect(outcome).toBe("passed");
    expect(events).toEqual([
      { type: "info", message: expect.stringContaining("their provider renews them") },
      { type: "warning", message: "Renewing them needs the SSO session to stay valid." },
    ]);
  });

  test("no expiry: long-lived keys pass silently; temporary ones of unknown expiry pass with a warning", async () => {
    const longLived = await check({ refreshable: false, source: "static keys" });
    expect(longLived).toEqual({ outcome: "passed", events: [] });
    const unknown = await check({ refreshable: false, source: "env", caveat: "Expiry unknown." });
    expect(unknown.outcome).toBe("passed");
    expect(unknown.events).toEqual([
      { type: "warning", message: "Expiry unknown. This roll-out may take up to 87 min (bakes 87 min)." },
    ]);
  });

  test("without a credentials port there is nothing to check", async () => {
    expect(await check(undefined)).toEqual({ outcome: "passed", events: [] });
  });
});

describe("deploy checks the credentials before the first write", () => {
  let zip: string;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "lr-lifetime-"));
    zip = join(dir, "fn.zip");
    const bytes = zipSync({
      "handler.mjs": new TextEncoder().encode("export const handler = async () => ({});"),
    });
    await writeFile(zip, bytes);
    zipSha = sha256(bytes).base64;
  });
  let zipSha: string;

  function setup(answer: CredentialsLifetime) {
    const lambda = new FakeLambda("fn", "live", { stableVersions: 1 });
    lambda.shaFor = () => zipSha;
    const artifacts = new FakeArtifacts();
    const credentials = new FakeCredentials(answer);
    const events: StampedEvent[] = [];
    const run = (extra: Partial<DeployRequest> = {}) =>
      deploy(
        {
          functionName: "fn",
          aliasName: "live",
          source: { zip, bucket: "artifacts" },
          // 30 + 30 min of bakes, 5 min update wait, 2 min restore margin: 67 min.
          plan: buildPlan({ strategy: "Canary10Percent30Minutes", finalBake: "30m" }),
          ...extra,
        },
        {
          lambda,
          artifacts,
          alarms: new FakeAlarms(),
          clock: new FakeClock({ time: NOW }),
          emit: (e) => events.push(e),
          credentials,
        },
      );
    return { lambda, artifacts, credentials, events, run };
  }

  test("a one-hour session for a 67-minute worst case: exit 2, nothing uploaded, published or shifted", async () => {
    const { lambda, artifacts, run } = setup(expiringIn(60 * MINUTE));
    const result = await run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 2, fromVersion: "1" });
    expect(result.reason).toContain("may take up to 67 min");
    expect(result.hint).toContain("role-duration-seconds");
    expect(artifacts.objects.size).toBe(0);
    expect(lambda.calls.map((c) => c.op)).not.toContain("updateFunctionCode");
    expect(lambda.writes()).toEqual([]);
  });

  test("a function on Lambda Managed Instances counts the new version's activation wait (20 min by default)", async () => {
    const managed = setup(expiringIn(80 * MINUTE));
    managed.lambda.latest.capacityProvider = "arn:aws:lambda:us-east-1:123456789012:capacity-provider:fleet";
    const result = await managed.run();
    expect(result).toMatchObject({ outcome: "failed", exitCode: 2 });
    expect(result.reason).toContain("may take up to 87 min");
    expect(result.reason).toContain("Managed Instances activation 20 min");
    expect(managed.lambda.writes()).toEqual([]);
    // The same credentials are enough on Lambda's default compute (67 min), and for a shorter activation.
    expect(await setup(expiringIn(80 * MINUTE)).run({ dryRun: true })).toMatchObject({ outcome: "noop" });
    const shorter = setup(expiringIn(80 * MINUTE));
    shorter.lambda.latest.capacityProvider = managed.lambda.latest.capacityProvider;
    expect(
      await shorter.run({ dryRun: true, managedInstances: { activationTimeoutMs: 10 * MINUTE } }),
    ).toMatchObject({ outcome: "noop", exitCode: 0 });
  });

  test("a dry run gives the same verdict as the real run would", async () => {
    const { lambda, run } = setup(expiringIn(60 * MINUTE));
    const result = await run({ dryRun: true });
    expect(result).toMatchObject({ outcome: "failed", exitCode: 2 });
    expect(lambda.writes()).toEqual([]);
    const fine = setup(expiringIn(90 * MINUTE));
    expect(await fine.run({ dryRun: true })).toMatchObject({ outcome: "noop", exitCode: 0 });
  });

  test("a session that outlives the worst case: the roll-out runs and is promoted", async () => {
    const { credentials, run } = setup(expiringIn(68 * MINUTE));
    expect(await run()).toMatchObject({ outcome: "promoted", exitCode: 0, toVersion: "2" });
    expect(credentials.reads).toBe(1);
  });

  test("renewable credentials expiring mid-plan: the roll-out runs, with an info line", async () => {
    const { events, run } = setup(
      expiringIn(20 * MINUTE, { refreshable: true, source: "a web identity token" }),
    );
    expect(await run()).toMatchObject({ outcome: "promoted" });
    expect(events.some((e) => e.type === "info" && e.message.includes("their provider renews them"))).toBe(
      true,
    );
  });

  test("a noop is not held back by short credentials: it changes nothing", async () => {
    const { lambda, credentials, run } = setup(expiringIn(MINUTE));
    (lambda.versions[0] as { codeSha256: string }).codeSha256 = zipSha;
    expect(await run()).toMatchObject({ outcome: "noop", exitCode: 0 });
    expect(credentials.reads).toBe(0);
  });
});
