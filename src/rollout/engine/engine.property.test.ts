/**
 * The promise, stated once and checked against generated adversity: random plans, random gate
 * verdicts, random port failures (failed calls, writes applied but unanswered, reads failing, errors
 * no retry can fix), aborts at random moments, and other writers of the alias (an operator's promote or
 * rollback, a description edited, someone else's routing). Whatever happens, the alias ends 100% on one
 * version and the result says which, or it ends exactly as someone else set it; a shrunk
 * counterexample is the minimal story that breaks it. The in-memory Lambda enforces RevisionId as
 * Lambda does: the engine reads before no write, so only the precondition catches a change made after
 * its last poll.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { checkPromise } from "../../../test/support/alias-promise.js";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../../test/support/fakes.js";
import { AwsError } from "../../errors.js";
import type { GateVerdict, HealthGate, VerdictStatus } from "../../health/gate.js";
import type { Plan } from "../../plan/plan.js";
import type {
  AliasRouting,
  AliasState,
  AliasUpdateOptions,
  CallOptions,
  CodeSource,
  DeleteVersionOutcome,
  FunctionState,
  InvokeResult,
  LambdaPort,
  ProvisionedConcurrency,
  RunningExecutions,
  ScalingConfig,
} from "../../ports.js";
import { deploy } from "../deploy/deploy.js";
import type { ResultEvent } from "../events.js";
import { resolveSplit } from "../manage/manage.js";
import { approve } from "./approval.js";

type Fault = "none" | "transient" | "lost" | "permanent" | "abort";

type OtherWriter = "promote" | "rollback" | "edit" | "foreign";

interface Scenario {
  plan: Plan;
  aliasOnLatest: boolean;
  verdicts: VerdictStatus[];
  /** Fault of the n-th Lambda call (0-based, all operations together); calls past the end succeed. */
  faults: Fault[];
  /** Abort (SIGTERM) during the n-th gate check, if set. */
  abortAtCheck: number | undefined;
  inconclusive: { outcome: "pass" | "fail"; maxExtensionMs: number };
  finalBake: boolean;
  /**
   * Another writer, during the n-th gate check or right before the run's (n mod 4)-th UpdateAlias
   * (after its last read: only the RevisionId can catch it): an operator's `promote` or `rollback` from
   * another terminal (if split), a description edited by hand (the RevisionId moves, the routing does
   * not), or someone else's routing.
   */
  operator: { atCheck: number; moment: "check" | "write"; action: OtherWriter } | undefined;
  /** Manual approval (plans with a step), given by `approve` at the n-th check of the wait, if set. */
  approval: { timeoutMs: number; approveAtCheck: number | undefined } | undefined;
}

const MINUTE = 60_000;
/** Someone else's routing: no weight this run writes (its weights are whole percents). */
const FOREIGN: AliasRouting = { version: "1", additional: { version: "2", weight: 42.5 } };

const planArb: fc.Arbitrary<Plan> = fc
  .uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 3 })
  .chain((weights) =>
    fc.record({
      strategy: fc.constant("custom"),
      steps: fc.tuple(
        ...weights
          .sort((a, b) => a - b)
          .map((weight) =>
            fc.integer({ min: 1, max: 10 }).map((minutes) => ({ weight, bakeMs: minutes * MINUTE })),
          ),
      ),
      finalBakeMs: fc.constantFrom(0, 0, 3 * MINUTE),
    }),
  );

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 30, arbitrary: fc.constant<Fault>("none") },
  { weight: 3, arbitrary: fc.constant<Fault>("transient") },
  { weight: 3, arbitrary: fc.constant<Fault>("lost") },
  { weight: 3, arbitrary: fc.constant<Fault>("permanent") },
  { weight: 1, arbitrary: fc.constant<Fault>("abort") },
);

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  plan: planArb,
  aliasOnLatest: fc.boolean(),
  verdicts: fc.array(fc.constantFrom<VerdictStatus>("pass", "pass", "pass", "fail", "inconclusive"), {
    maxLength: 30,
  }),
  // size "max": fast-check's default size caps arrays near 10 whatever maxLength says, and every bake
  // poll now reads the alias, so short fault lists never reached a restore (exit 5 went unseen).
  faults: fc.array(faultArb, { maxLength: 60, size: "max" }),
  abortAtCheck: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
  inconclusive: fc.record({
    outcome: fc.constantFrom("pass" as const, "fail" as const),
    maxExtensionMs: fc.constantFrom(0, 2 * MINUTE),
  }),
  finalBake: fc.boolean(),
  operator: fc.option(
    fc.record({
      atCheck: fc.integer({ min: 0, max: 12 }),
      moment: fc.constantFrom("check" as const, "write" as const),
      action: fc.constantFrom("promote" as const, "rollback" as const, "edit" as const, "foreign" as const),
    }),
    { nil: undefined },
  ),
  approval: fc.option(
    fc.record({
      timeoutMs: fc.constantFrom(2 * MINUTE, 10 * MINUTE),
      approveAtCheck: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    }),
    { nil: undefined },
  ),
});

const WRITES = new Set(["updateAlias", "publishVersion", "updateFunctionCode"]);

/** A LambdaPort in front of the in-memory one that fails calls as the scenario says. */
class FaultyLambda implements LambdaPort {
  private calls = 0;
  private updates = 0;
  constructor(
    private readonly inner: FakeLambda,
    private readonly faults: Fault[],
    private readonly abort: () => void,
    /** Someone else's turn right before the run's n-th UpdateAlias (0-based) reaches Lambda. */
    private readonly beforeUpdate: (n: number) => Promise<void>,
  ) {}

  private async call<T>(op: string, run: () => Promise<T>): Promise<T> {
    const fault = this.faults[this.calls++] ?? "none";
    if (fault === "abort") this.abort();
    if (fault === "transient" || (fault === "lost" && !WRITES.has(op))) {
      throw new AwsError(`${op}: HTTP 503`, { code: "ServiceUnavailable", retryable: true });
    }
    if (fault === "permanent")
      throw new AwsError(`${op}: AccessDenied`, { code: "AccessDenied", status: 403 });
    const value = await run();
    if (fault === "lost")
      throw new AwsError(`${op}: socket hang up`, { code: "ECONNRESET", retryable: true });
    return value;
  }

  getAlias(f: string, a: string, _o?: CallOptions): Promise<AliasState> {
    return this.call("getAlias", () => this.inner.getAlias(f, a));
  }
  updateAlias(
    f: string,
    a: string,
    r: AliasRouting,
    rev: string,
    o?: AliasUpdateOptions,
  ): Promise<AliasState> {
    return this.call("updateAlias", async () => {
      await this.beforeUpdate(this.updates++);
      return await this.inner.updateAlias(f, a, r, rev, o);
    });
  }
  getFunction(f: string, q?: string, _o?: CallOptions): Promise<FunctionState> {
    return this.call("getFunction", () => this.inner.getFunction(f, q));
  }
  listVersions(_f: string): Promise<FunctionState[]> {
    return this.inner.listVersions();
  }
  // Validation-only reads, outside the fault sequence (which counts the roll-out's own calls).
  listAliases(f: string): Promise<AliasState[]> {
    return this.inner.listAliases(f);
  }
  deleteVersion(f: string, v: string): Promise<DeleteVersionOutcome> {
    return this.inner.deleteVersion(f, v);
  }
  getProvisionedConcurrency(f: string, q: string): Promise<ProvisionedConcurrency | undefined> {
    return this.inner.getProvisionedConcurrency(f, q);
  }
  getScalingConfig(f: string, v: string): Promise<ScalingConfig | undefined> {
    return this.inner.getScalingConfig(f, v);
  }
  putScalingConfig(f: string, v: string, s: ScalingConfig): Promise<string | undefined> {
    return this.inner.putScalingConfig(f, v, s);
  }
  runningDurableExecutions(f: string, v: string): Promise<RunningExecutions> {
    return this.inner.runningDurableExecutions(f, v);
  }
  updateFunctionCode(f: string, c: CodeSource, _o?: CallOptions): Promise<FunctionState> {
    return this.call("updateFunctionCode", () => this.inner.updateFunctionCode(f, c));
  }
  publishVersion(f: string, sha: string, d: string, _o?: CallOptions): Promise<FunctionState> {
    return this.call("publishVersion", () => this.inner.publishVersion(f, sha, d));
  }
  invoke(f: string, q: string, p: string, _o?: CallOptions): Promise<InvokeResult> {
    return this.call("invoke", () => this.inner.invoke(f, q, p));
  }
}

async function play(scenario: Scenario) {
  const lambda = new FakeLambda("fn", "live", {
    stableVersions: 2,
    aliasOn: scenario.aliasOnLatest ? "$LATEST" : "1",
  });
  const clock = new FakeClock();
  const controller = new AbortController();
  const abort = () => controller.abort("SIGTERM");
  let checks = 0;
  /** Which other writer acted (an operator only when the alias was split). */
  let acted: OtherWriter | undefined;
  let waitChecks = 0;
  /** Straight to the in-memory Lambda: the other writer's calls are not this run's, and do not fail. */
  const otherWriter = async (moment: "check" | "write", n: number) => {
    const other = scenario.operator;
    if (acted || other?.moment !== moment || (moment === "check" ? other.atCheck : other.atCheck % 4) !== n)
      return;
    if ((other.action === "promote" || other.action === "rollback") && lambda.alias.additional) {
      await resolveSplit(lambda, "fn", "live", other.action);
      acted = other.action;
    }
    if (other.action === "edit") {
      lambda.touchRevision();
      acted = other.action;
    }
    if (other.action === "foreign") {
      lambda.setRouting(FOREIGN);
      acted = other.action;
    }
  };
  const scripted: HealthGate = {
    name: "scripted",
    async check(context): Promise<GateVerdict> {
      const index = checks++;
      if (index === scenario.abortAtCheck) abort();
      await otherWriter("check", index);
      if (context.phase === "awaiting-approval" && waitChecks++ === scenario.approval?.approveAtCheck) {
        await approve(lambda, "fn", "live", clock.now());
      }
      const status = scenario.verdicts[index] ?? "pass";
      return { gate: "scripted", status, detail: `check ${index}: ${status}` };
    },
  };
  const result = await deploy(
    {
      functionName: "fn",
      aliasName: "live",
      source: { version: "2" },
      plan: { ...scenario.plan, finalBakeMs: scenario.finalBake ? scenario.plan.finalBakeMs : 0 },
      smoke: [{ payload: "{}" }],
      intervalMs: MINUTE,
      inconclusive: scenario.inconclusive,
      manualApproval:
        scenario.approval && scenario.plan.steps.length > 0
          ? { timeoutMs: scenario.approval.timeoutMs }
          : undefined,
    },
    {
      lambda: new FaultyLambda(lambda, scenario.faults, abort, (n) => otherWriter("write", n)),
      alarms: new FakeAlarms(),
      artifacts: new FakeArtifacts(),
      clock,
      signal: controller.signal,
      gates: [scripted],
    },
  );
  return { lambda, result, acted };
}

/**
 * Someone else's routing is never written over, whatever the run was doing (shifting, baking,
 * restoring), and never reported as an operator's decision.
 */
function checkUntouched(lambda: FakeLambda, result: ResultEvent): void {
  expect(
    { version: lambda.alias.version, additional: lambda.alias.additional },
    String(result.reason),
  ).toEqual(FOREIGN);
  expect(result.exitCode, String(result.reason)).not.toBe(2);
}

describe("the alias always ends whole, and the result says which version", () => {
  test("over generated plans, verdicts, port failures, aborts and other writers", async () => {
    const seen = new Map<string, number>();
    const approvals = new Set<string>();
    const isApproval = (call: { op: string; args: unknown[] }) =>
      call.op === "updateAlias" && String(call.args[2]).includes("; approved at ");
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const { lambda, result, acted } = await play(scenario);
        const byOperator = /^(promoted|rolled back) by an operator/.test(result.reason ?? "");
        // Only an operator's action is ever reported as one.
        if (byOperator) expect(acted === "promote" || acted === "rollback").toBe(true);
        if (acted === "foreign") checkUntouched(lambda, result);
        else checkPromise(lambda, result, scenario);
        const by = byOperator ? "/operator" : acted === "foreign" || acted === "edit" ? `/${acted}` : "";
        const key = `${result.outcome}/${result.exitCode}${by}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        if (/^No approval within/.test(result.reason ?? "")) approvals.add("timed out");
        if (result.outcome === "promoted" && !byOperator && lambda.calls.some(isApproval))
          approvals.add("approved");
      }),
      { numRuns: 1_000, seed: Number(process.env.PROPERTY_SEED ?? 20261127) },
    );
    // The generator must reach every ending, or the property proves less than it claims.
    // (`/edit` and `/foreign`: after a description edit or someone else's routing; the other endings
    // with them are AWS faults and interruptions, with the foreign routing left as it was set.)
    expect([...seen.keys()].sort()).toEqual([
      "failed/3/foreign",
      "failed/4",
      "failed/4/edit",
      "failed/4/foreign",
      "failed/5",
      "promoted/0",
      "promoted/0/edit",
      "promoted/0/operator",
      "rolled_back/1",
      "rolled_back/1/edit",
      "rolled_back/1/foreign",
      "rolled_back/1/operator",
    ]);
    expect([...approvals].sort()).toEqual(["approved", "timed out"]);
  });

  // Shrunk by this property from the engine before issue 9: the first UpdateAlias landed, its reply was
  // lost, and the restore trusted its cached "100% v1" and skipped the write, leaving 99/1 split.
  test("regression: the first shift applied with its reply lost", async () => {
    const scenario: Scenario = {
      plan: { strategy: "custom", steps: [{ weight: 1, bakeMs: MINUTE }], finalBakeMs: 0 },
      aliasOnLatest: false,
      verdicts: [],
      // getAlias, getFunction($LATEST), getFunction(2), getFunction(2) (Active?), then the first shift.
      faults: ["none", "none", "none", "none", "lost"],
      abortAtCheck: undefined,
      inconclusive: { outcome: "pass", maxExtensionMs: 0 },
      finalBake: false,
      operator: undefined,
      approval: undefined,
    };
    const { lambda, result } = await play(scenario);
    checkPromise(lambda, result, scenario);
    expect(result).toMatchObject({ outcome: "failed", exitCode: 4 });
  });
});
