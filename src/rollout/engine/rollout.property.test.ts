/**
 * The promise, stated once for the one engine and checked against generated adversity. One arbitrary
 * yields both kinds of run:
 * - a one-function deploy (a wave of one): random plans, gate verdicts, port failures (failed calls,
 *   throttles, writes applied but unanswered, errors no retry can fix), aborts at random moments, other
 *   writers of the alias (an operator's promote or rollback, a description edited, someone else's
 *   routing), manual approval, and a ledger that answers 412 from nowhere, loses the replies of writes
 *   it applied, and goes down for a while;
 * - a release: 1-3 waves of 1-3 functions in one or two regions each, random plans, per-function port
 *   failures, an alarm going off on one function at a random poll, an operator's `rollback`/`promote`
 *   of the release or someone else's routing on one alias at a random moment, and an abort.
 * Whatever happens, every alias ends 100% on one version and the result says which: all on the new
 * version when promoted, all on the old one otherwise, each function's state saying which; a routing
 * someone else set is never written over (exit 3 when the run meets it); and, with a ledger reachable
 * at the end, the record's outcome is the result line's and the lock is free. The in-memory Lambda
 * enforces RevisionId as Lambda does: the engine reads before no write, so only the precondition
 * catches a change made after its last poll. A shrunk counterexample is the minimal story that breaks it.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  checkLedger,
  checkPromise,
  checkRelease,
  checkUntouched,
  FOREIGN,
  ledgerEnding,
  type PlayedRelease,
} from "../../../test/support/alias-promise.js";
import { FakeLedgerStore, type LedgerFault } from "../../../test/support/fake-ledger.js";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../../test/support/fakes.js";
import { type Fault, FaultyLambda } from "../../../test/support/faulty-lambda.js";
import { releaseHarness } from "../../../test/support/release-harness.js";
import type { GateVerdict, HealthGate, VerdictStatus } from "../../health/gate.js";
import type { Plan } from "../../plan/plan.js";
import type { LambdaPort } from "../../ports.js";
import { deploy } from "../deploy/deploy.js";
import { resolveSplit } from "../manage/manage.js";
import { endRelease } from "../manage/release-manage.js";
import { approve } from "./approval.js";

type OtherWriter = "promote" | "rollback" | "edit" | "foreign";

/** What a ledger write (PutObject) answers: 412 from nowhere, or applied with its reply lost. */
type LedgerWriteFault = "none" | "412" | "lost" | "lost-412";

interface OneFunction {
  kind: "function";
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
  /**
   * A ledger, if set: the n-th ledger call's fault (writes only; calls past the end succeed), and an
   * outage from the n-th call.
   */
  ledger:
    | { faults: LedgerWriteFault[]; outage: { atCall: number; durationMs: number } | undefined }
    | undefined;
}

/** A moment of a release: its n-th sleep (a bake poll, a retry's back-off, a settle read), 0-based. */
interface Release {
  kind: "release";
  /** Each wave: how many regions (1-2) and functions (1-3, spread over its regions), and its bake. */
  waves: { regions: number; functions: number; bakeMs: number }[];
  plan: Plan;
  finalBake: boolean;
  /** Per function, in the order of the release's functions (index mod their count): its calls' faults. */
  faults: Fault[][];
  /** The alarm of one function goes off at the n-th sleep, if set. */
  alarm: { member: number; atSleep: number } | undefined;
  /** An operator's rollback/promote of the release, or someone else's routing on one alias, if set. */
  operator: { member: number; atSleep: number; action: "promote" | "rollback" | "foreign" } | undefined;
  /** SIGTERM at the n-th sleep, if set. */
  abortAtSleep: number | undefined;
}

type Scenario = OneFunction | Release;

const MINUTE = 60_000;
/** Each wave's regions (a wave takes the first one or both). */
const REGIONS = [
  ["eu-west-1", "eu-central-1"],
  ["us-east-1", "us-west-2"],
  ["ap-south-1", "ap-northeast-1"],
];

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
  { weight: 2, arbitrary: fc.constant<Fault>("transient") },
  { weight: 1, arbitrary: fc.constant<Fault>("throttle") },
  { weight: 3, arbitrary: fc.constant<Fault>("lost") },
  { weight: 3, arbitrary: fc.constant<Fault>("permanent") },
  { weight: 1, arbitrary: fc.constant<Fault>("abort") },
);

const ledgerFaultArb: fc.Arbitrary<LedgerWriteFault> = fc.oneof(
  { weight: 20, arbitrary: fc.constant<LedgerWriteFault>("none") },
  { weight: 2, arbitrary: fc.constant<LedgerWriteFault>("412") },
  { weight: 2, arbitrary: fc.constant<LedgerWriteFault>("lost") },
  { weight: 2, arbitrary: fc.constant<LedgerWriteFault>("lost-412") },
);

const oneFunctionArb: fc.Arbitrary<OneFunction> = fc.record({
  kind: fc.constant("function" as const),
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
  ledger: fc.option(
    fc.record({
      faults: fc.array(ledgerFaultArb, { maxLength: 40, size: "max" }),
      // From a blip to longer than the restore timeout (2 min): begin, bakes, the rollback or the end.
      outage: fc.option(
        fc.record({
          atCall: fc.integer({ min: 0, max: 30 }),
          durationMs: fc.constantFrom(5_000, 30_000, 90_000, 5 * MINUTE, 60 * MINUTE),
        }),
        { nil: undefined },
      ),
    }),
    { nil: undefined },
  ),
});

const releaseArb: fc.Arbitrary<Release> = fc.record({
  kind: fc.constant("release" as const),
  waves: fc.array(
    fc.record({
      regions: fc.integer({ min: 1, max: 2 }),
      functions: fc.integer({ min: 1, max: 3 }),
      bakeMs: fc.constantFrom(0, 2 * MINUTE),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  plan: planArb,
  finalBake: fc.boolean(),
  // Most functions answer every call; a few meet faults (a release of nine, all faulty, never promotes).
  faults: fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constant<Fault[]>([]) },
      { weight: 1, arbitrary: fc.array(faultArb, { maxLength: 30, size: "max" }) },
    ),
    { minLength: 9, maxLength: 9 },
  ),
  alarm: fc.option(fc.record({ member: fc.nat(8), atSleep: fc.nat(15) }), { nil: undefined }),
  operator: fc.option(
    fc.record({
      member: fc.nat(8),
      atSleep: fc.nat(15),
      action: fc.constantFrom("promote" as const, "rollback" as const, "foreign" as const),
    }),
    { nil: undefined },
  ),
  abortAtSleep: fc.option(fc.nat(20), { nil: undefined }),
});

/** One arbitrary for both: a one-function deploy is a release of one function in one wave. */
const scenarioArb: fc.Arbitrary<Scenario> = fc.oneof(
  { weight: 2, arbitrary: oneFunctionArb },
  { weight: 1, arbitrary: releaseArb },
);

const LEDGER = { bucket: "ledger", prefix: "rollouts/" };

async function playFunction(scenario: OneFunction) {
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
  const ledger = scenario.ledger && new FakeLedgerStore(clock);
  if (ledger) {
    const { faults, outage } = scenario.ledger ?? { faults: [], outage: undefined };
    ledger.failWhen = (call): LedgerFault | undefined => {
      if (call.n === outage?.atCall) return { outageMs: outage.durationMs };
      const fault = faults[call.n] ?? "none";
      return fault !== "none" && call.op !== "get" ? fault : undefined;
    };
  }
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
      ...(ledger
        ? { ledger: { store: ledger, location: LEDGER, actor: { name: "ci" } }, rolloutId: "r-1" }
        : {}),
    },
  );
  return { lambda, result, acted, ledger };
}

/** Virtual time in which the scenario's events happen at given sleeps of the release. */
class ScriptedClock extends FakeClock {
  private sleepsSoFar = 0;
  atSleep: (n: number) => Promise<void> = async () => {};
  override async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    await super.sleep(ms, signal);
    await this.atSleep(this.sleepsSoFar++);
  }
}

async function playRelease(scenario: Release) {
  const functions: [string, string][] = [];
  const waves = scenario.waves.map((wave, index) => {
    const regions = (REGIONS[index] as string[]).slice(0, wave.regions);
    for (let n = 0; n < wave.functions; n++)
      functions.push([`f${n + 1}`, regions[n % regions.length] as string]);
    return { regions, bakeMs: wave.bakeMs };
  });
  const keys = functions.map(([name, region]) => `${name}@${region}`);
  const clock = new ScriptedClock();
  const controller = new AbortController();
  const abort = () => controller.abort("SIGTERM");
  const ports = new Map<string, LambdaPort>();
  const h = releaseHarness({
    clock,
    functions,
    signal: controller.signal,
    lambdaPort: (fake, key) => {
      const port = ports.get(key) ?? new FaultyLambda(fake, scenario.faults[keys.indexOf(key)] ?? [], abort);
      ports.set(key, port);
      return port;
    },
  });
  h.request.waves = waves;
  h.request.plan = { ...scenario.plan, finalBakeMs: scenario.finalBake ? scenario.plan.finalBakeMs : 0 };
  h.request.intervalMs = MINUTE;
  const members = h.request.functions.map((spec) => ({
    functionName: spec.functionName,
    aliasName: spec.aliasName,
    region: spec.region,
  }));
  let acted: PlayedRelease["acted"];
  const callsNow = () => new Map(keys.map((key) => [key, h.fake(key).calls.length]));
  const { alarm, operator } = scenario;
  const alarmKey = alarm && (keys[alarm.member % keys.length] as string);
  const otherKey = operator && (keys[operator.member % keys.length] as string);
  clock.atSleep = async (n) => {
    if (n === scenario.abortAtSleep) abort();
    if (alarmKey && n === alarm?.atSleep) {
      const [name, region] = alarmKey.split("@");
      (h.portsFor(region).alarms as FakeAlarms).states.set(`${name}-errors`, "ALARM");
    }
    if (!otherKey || n !== operator?.atSleep) return;
    if (operator.action === "foreign") {
      h.fake(otherKey).setRouting(FOREIGN);
      acted = { action: "foreign", key: otherKey, calls: callsNow() };
      return;
    }
    // `lambda-rollout rollback|promote --config … --env …` from another machine: straight to Lambda.
    const ended = await endRelease(
      "production",
      members,
      (region) => h.portsFor(region).lambda,
      operator.action,
      () => clock.now(),
    );
    if (ended.outcome !== "noop") acted = { action: operator.action, key: otherKey, calls: callsNow() };
  };
  const result = await h.run();
  return { h, keys, result, acted, alarmKey };
}

const isApproval = (call: { op: string; args: unknown[] }) =>
  call.op === "updateAlias" && String(call.args[2]).includes("; approved at ");

/** What the generator reached, to check it reaches every ending (or the property proves less). */
interface Reached {
  functions: Set<string>;
  approvals: Set<string>;
  ledgerEndings: Set<string>;
  releases: Set<string>;
  layouts: Set<string>;
  stops: Set<string>;
}

async function playOneFunction(scenario: OneFunction, reached: Reached): Promise<void> {
  const { lambda, result, acted, ledger } = await playFunction(scenario);
  const byOperator = /^(promoted|rolled back) by an operator/.test(result.reason ?? "");
  // Only an operator's action is ever reported as one.
  if (byOperator) expect(acted === "promote" || acted === "rollback").toBe(true);
  if (acted === "foreign") checkUntouched(lambda.alias, result);
  else checkPromise(lambda, result, scenario);
  if (ledger) {
    checkLedger(ledger, result);
    reached.ledgerEndings.add(ledgerEnding(ledger, result));
  }
  const by = byOperator ? "/operator" : acted === "foreign" || acted === "edit" ? `/${acted}` : "";
  reached.functions.add(`${result.outcome}/${result.exitCode}${by}`);
  if (/^No approval within/.test(result.reason ?? "")) reached.approvals.add("timed out");
  if (result.outcome === "promoted" && !byOperator && lambda.calls.some(isApproval))
    reached.approvals.add("approved");
}

async function playOneRelease(scenario: Release, reached: Reached): Promise<void> {
  const played = await playRelease(scenario);
  checkRelease({ ...played, fake: played.h.fake }, scenario.faults.flat());
  const { result, acted } = played;
  const byOperator = /by an operator/.test(result.reason ?? "") ? "/operator" : "";
  const by =
    byOperator ||
    (acted?.action === "foreign" ? "/foreign" : acted && result.exitCode === 3 ? "/operator, restoring" : "");
  reached.releases.add(`${result.outcome}/${result.exitCode}${by}`);
  // What stopped a release mid-shift: the alarm that went off on one function, or the signal.
  if (/^Health gate "alarms" of .* failed at \d+%/.test(result.reason ?? "")) reached.stops.add("an alarm");
  if (/Interrupted \(SIGTERM\).* at \d+%/.test(result.reason ?? "")) reached.stops.add("SIGTERM");
  const regions = new Set(played.keys.map((key) => key.split("@")[1])).size;
  reached.layouts.add(
    `${scenario.waves.length} waves, ${regions > scenario.waves.length ? "a wave of two regions" : "a region a wave"}`,
  );
}

const DEFAULT_SEED = 20261127;
const SEED = Number(process.env.PROPERTY_SEED ?? DEFAULT_SEED);
/** About two thirds one-function deploys (half with a ledger), one third releases. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 3_000);

describe("every alias ends whole, and the result says which version, for one function and for releases", () => {
  test("over generated deploys and releases: plans, verdicts, faults, aborts, operators, other writers, ledger faults", async () => {
    const reached: Reached = {
      functions: new Set(),
      approvals: new Set(),
      ledgerEndings: new Set(),
      releases: new Set(),
      layouts: new Set(),
      stops: new Set(),
    };
    await fc.assert(
      fc.asyncProperty(scenarioArb, (scenario) =>
        scenario.kind === "function" ? playOneFunction(scenario, reached) : playOneRelease(scenario, reached),
      ),
      { numRuns: RUNS, seed: SEED },
    );
    // The generator must reach every ending, or the property proves less than it claims. The lists are
    // this seed's: another PROPERTY_SEED explores the property, and may miss a rare ending.
    if (SEED !== DEFAULT_SEED) return;
    // (`/edit` and `/foreign`: after a description edit or someone else's routing; the other endings
    // with them are AWS faults and interruptions, with the foreign routing left as it was set.)
    expect([...reached.functions].sort()).toEqual([
      "failed/3/foreign",
      "failed/4",
      "failed/4/edit",
      "failed/4/foreign",
      "failed/5",
      "failed/5/edit",
      "failed/5/foreign",
      "promoted/0",
      "promoted/0/edit",
      "promoted/0/operator",
      "rolled_back/1",
      "rolled_back/1/edit",
      "rolled_back/1/foreign",
      "rolled_back/1/operator",
    ]);
    expect([...reached.approvals].sort()).toEqual(["approved", "timed out"]);
    expect([...reached.ledgerEndings].sort()).toEqual([
      "incomplete, ledger down",
      "not begun",
      "not begun, ledger down",
      "recorded",
      "recorded through 412s and lost replies",
    ]);
    // `/operator, restoring`: an operator's promote of the release landed while the release restored.
    // Never `promoted/0/foreign`: someone else's routing on an earlier wave's function is read before
    // the release is called promoted (release-wave.ts shipWaves).
    expect([...reached.releases].sort()).toEqual([
      "failed/3/foreign",
      "failed/3/operator, restoring",
      "failed/4",
      "failed/4/foreign",
      "failed/5",
      "failed/5/foreign",
      "promoted/0",
      "promoted/0/operator",
      "rolled_back/1",
      "rolled_back/1/foreign",
      "rolled_back/1/operator",
    ]);
    expect([...reached.stops].sort()).toEqual(["SIGTERM", "an alarm"]);
    expect([...reached.layouts].sort()).toEqual([
      "1 waves, a region a wave",
      "1 waves, a wave of two regions",
      "2 waves, a region a wave",
      "2 waves, a wave of two regions",
      "3 waves, a region a wave",
      "3 waves, a wave of two regions",
    ]);
  });

  // Shrunk by this property from the engine before issue 9: the first UpdateAlias landed, its reply was
  // lost, and the restore trusted its cached "100% v1" and skipped the write, leaving 99/1 split.
  test("regression: the first shift applied with its reply lost", async () => {
    const scenario: OneFunction = {
      kind: "function",
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
      ledger: undefined,
    };
    const { lambda, result } = await playFunction(scenario);
    checkPromise(lambda, result, scenario);
    expect(result).toMatchObject({ outcome: "failed", exitCode: 4 });
  });

  test("regression: a ledger write applied with its reply lost", async () => {
    const scenario: OneFunction = {
      kind: "function",
      plan: {
        strategy: "custom",
        steps: [
          { weight: 30, bakeMs: MINUTE },
          { weight: 61, bakeMs: MINUTE },
        ],
        finalBakeMs: 0,
      },
      aliasOnLatest: false,
      verdicts: [],
      faults: [],
      abortAtCheck: undefined,
      inconclusive: { outcome: "pass", maxExtensionMs: 0 },
      finalBake: false,
      operator: undefined,
      approval: undefined,
      ledger: { faults: ["none", "none", "none", "none", "none", "none", "none", "lost"], outage: undefined },
    };
    const { lambda, result, ledger } = await playFunction(scenario);
    checkPromise(lambda, result, scenario);
    if (!ledger) throw new Error("the scenario has a ledger");
    checkLedger(ledger, result);
    expect(result).toMatchObject({ outcome: "promoted", exitCode: 0 });
    expect(ledger.calls.map((c) => c.outcome)).toContain("applied, lost");
  });
});
