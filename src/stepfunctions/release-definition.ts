/**
 * The release definition: a whole release (`functions:`/`waves:`) run in one Step Functions execution,
 * for the functions of one region (a state machine changes aliases in its own region only). Pure data,
 * like definition.ts, whose gate and bake states it shares verbatim: `LoadWave` puts the current wave
 * where those states read their plan (`$.plan.alarms`, `$.plan.pollSeconds`, `$.plan.finalBakeSeconds`),
 * so an alarm check or a bake is the same states in both machines and reads the same in the history.
 *
 * Shape (JSONPath only):
 *   Init -> for each wave: LoadWave -> Gates (pre-traffic, the union of the wave's alarms) -> smoke
 *   (a Map over every member's payloads) -> for each step: ShiftWave (a Map over the wave's members,
 *   MaxConcurrency {@link MEMBER_CONCURRENCY}: each member guarded and written at the step's weight),
 *   bake loop (shared) -> PromoteWave (a Map) -> the wave's hold (final bake + the wave's bake) ->
 *   WavePromoted -> next wave ... -> ReleasePromoted.
 *   Any failure -> RestoreAll (a Map over every member of the release, earlier waves included: each
 *   one the release moved goes back to 100% on its stable version; untouched and foreign-changed ones
 *   are left) -> Fail with the failure's error (RestoreFailed when a restore did not land).
 *
 * Every write carries `release=ID wave=k/K` (progress.ts) and `[execution=ARN]`, as a local release
 * and a server-side roll-out write them, so `status`/`rollback`/`promote` work from AWS alone.
 */
import {
  bakeStates,
  CATCH_TASK,
  FAILURE,
  gateStates,
  LAMBDA_RETRY,
  RESTORE_RETRY,
  START_BAKE,
  STATE,
  type State,
  smokeStates,
} from "./definition.js";

/** One function of the release as the execution sees it (built by release-input.ts). */
export interface ReleaseMemberInput {
  functionName: string;
  aliasName: string;
  stableVersion: string;
  newVersion: string;
  /** AdditionalVersionWeights per step: index 0 is none (100% stable), index i is step i's. */
  weights: Record<string, number>[];
  /** ` release=ID wave=k/K`: appended to each step's description. */
  stepTag: string;
  /** What follows `vN live since TIME` when promoted: ` (replaced vS) release=ID wave=k/K from=vS`. */
  liveSuffix: string;
  /** What follows `vS live since TIME` when restored (the version it replaced before the release). */
  restoreSuffix: string;
}

export interface ReleaseWaveInput {
  /** 1-based, among the waves with something to ship, and their count. */
  number: number;
  waves: number;
  /** The union of the members' alarms, each name once (the shared gate states read `$.plan.alarms`). */
  alarms: string[];
  smoke: { functionName: string; version: string; payload: string; statusCode?: number }[];
  pollSeconds: number;
  /** The plan's final bake plus the wave's own bake: the hold at 100% before the next wave. */
  finalBakeSeconds: number;
  members: ReleaseMemberInput[];
}

export interface ReleaseExecutionInput {
  releaseId: string;
  steps: { weight: number; bakeSeconds: number }[];
  waves: ReleaseWaveInput[];
  /** Every member of every wave: what a failure restores. */
  members: ReleaseMemberInput[];
}

/** Members written at once: each write is a GetAlias and an UpdateAlias, within Lambda's ~15 control-plane requests/s. */
export const MEMBER_CONCURRENCY = 5;

/** State names of the release definition the follower reads (the shared ones are in STATE). */
export const RELEASE_STATE = {
  nextWave: "NextWave",
  loadWave: "LoadWave",
  shiftWave: "ShiftWave",
  promoteWave: "PromoteWave",
  wavePromoted: "Promoted",
  resetRun: "ResetRun",
  releasePromoted: "ReleasePromoted",
  restoreAll: "RestoreAll",
  restoreVerdict: "RestoreVerdict",
  memberForeign: "MemberForeignChange",
  memberFailed: "MemberWriteFailed",
} as const;

/** The wave's gate passes route through the shared GatesPassed to these names (definition.ts). */
const SHARED_TARGETS = {
  anySmoke: STATE.anySmoke,
  advance: STATE.advance,
  promoted: STATE.promoted,
} as const;

/** JSON of a member's weights at an index, as the guard compares it with what GetAlias returned. */
const weightsAt = (index: string) => `States.JsonToString(States.ArrayGetItem($.member.weights, ${index}))`;

function readAlias(
  n: (name: string) => string,
  next: string,
  retry: unknown[],
  onError?: string,
): Record<string, State> {
  return {
    [n("Read")]: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:lambda:getAlias",
      Parameters: { "FunctionName.$": "$.member.functionName", "Name.$": "$.member.aliasName" },
      ResultPath: "$.read",
      Retry: retry,
      ...(onError ? { Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: onError }] } : {}),
      Next: n("Routed"),
    },
    [n("Routed")]: {
      Type: "Choice",
      Choices: [
        { Variable: "$.read.RoutingConfig.AdditionalVersionWeights", IsPresent: true, Next: n("Weights") },
      ],
      Default: n("NoWeights"),
    },
    [n("Weights")]: {
      Type: "Pass",
      Parameters: {
        "read.$": "States.JsonToString($.read.RoutingConfig.AdditionalVersionWeights)",
        "before.$": weightsAt("$.before"),
        "after.$": weightsAt("$.after"),
      },
      ResultPath: "$.weights",
      Next: next,
    },
    [n("NoWeights")]: {
      Type: "Pass",
      Parameters: { read: "{}", "before.$": weightsAt("$.before"), "after.$": weightsAt("$.after") },
      ResultPath: "$.weights",
      Next: next,
    },
  };
}

/**
 * One member's write at a step (or its promotion): GetAlias, then the write only if the alias serves
 * what the release last wrote to it (`before`), with the RevisionId just read. Anything else is someone
 * else's change. An iteration never fails the Map: it ends with its outcome (written, foreign, failed),
 * so no sibling is cut off mid-write, and the restore starts only once every write of the step has
 * landed or failed (a write landing after the restore's read would leave that alias moved).
 */
function memberWrite(promote: boolean): State {
  const n = (name: string) => `${promote ? "Promote" : "Shift"}Member${name}`;
  const write: State = promote
    ? {
        "FunctionVersion.$": "$.member.newVersion",
        RoutingConfig: { AdditionalVersionWeights: {} },
        "Description.$":
          "States.Format('lambda-rollout: v{} live since {}{} [execution={}]', $.member.newVersion, $$.State.EnteredTime, $.member.liveSuffix, $$.Execution.Id)",
      }
    : {
        "FunctionVersion.$": "$.member.stableVersion",
        RoutingConfig: { "AdditionalVersionWeights.$": "States.ArrayGetItem($.member.weights, $.after)" },
        "Description.$":
          "States.Format('lambda-rollout: step {}/{}, {}% to v{} from v{} since {}{} [execution={}]', $.after, $.total, $.weight, $.member.newVersion, $.member.stableVersion, $$.State.EnteredTime, $.member.stepTag, $$.Execution.Id)",
      };
  return {
    StartAt: n("Read"),
    States: {
      ...readAlias(n, n("Check"), LAMBDA_RETRY, n("Failed")),
      [n("Check")]: {
        Type: "Choice",
        Choices: [
          {
            And: [
              { Variable: "$.read.FunctionVersion", StringEqualsPath: "$.member.stableVersion" },
              { Variable: "$.weights.read", StringEqualsPath: "$.weights.before" },
            ],
            Next: n("Write"),
          },
        ],
        Default: n("Foreign"),
      },
      [n("Write")]: {
        Type: "Task",
        Resource: "arn:aws:states:::aws-sdk:lambda:updateAlias",
        Parameters: {
          "FunctionName.$": "$.member.functionName",
          "Name.$": "$.member.aliasName",
          ...write,
          "RevisionId.$": "$.read.RevisionId",
        },
        ResultPath: null,
        // Throttling (TooManyRequestsException) and conflicts back off and retry; see LAMBDA_RETRY.
        Retry: LAMBDA_RETRY,
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: n("Failed") }],
        Next: n("Written"),
      },
      [n("Written")]: { Type: "Pass", Parameters: { outcome: "written", cause: "" }, End: true },
      [n("Foreign")]: {
        Type: "Pass",
        Parameters: {
          outcome: "foreign",
          "cause.$":
            "States.Format('the alias {}:{} was changed outside this execution: it serves v{} with additional weights {}, where the release last wrote v{} with {}; it is left as the other change set it', $.member.functionName, $.member.aliasName, $.read.FunctionVersion, $.weights.read, $.member.stableVersion, $.weights.before)",
        },
        End: true,
      },
      [n("Failed")]: {
        Type: "Pass",
        Parameters: {
          outcome: "failed",
          "cause.$":
            "States.Format('{}:{}: {}: {}', $.member.functionName, $.member.aliasName, $.error.Error, $.error.Cause)",
        },
        End: true,
      },
    },
  };
}

/**
 * One member's restore: 100% on its stable version when the alias serves something this release wrote
 * to it (its step before or after the cursor, or its new version whole); left alone when untouched
 * (100% stable) or changed by someone else. Never fails the Map: each iteration reports its outcome.
 */
function memberRestore(): State {
  const n = (name: string) => `RestoreMember${name}`;
  const outcome = (value: string): State => ({
    Type: "Pass",
    Parameters: { "functionName.$": "$.member.functionName", outcome: value },
    End: true,
  });
  const stable = { Variable: "$.read.FunctionVersion", StringEqualsPath: "$.member.stableVersion" };
  return {
    StartAt: n("Read"),
    States: {
      ...readAlias(n, n("Check"), RESTORE_RETRY, n("Unrestored")),
      [n("Check")]: {
        Type: "Choice",
        Choices: [
          { And: [stable, { Variable: "$.weights.read", StringEquals: "{}" }], Next: n("Untouched") },
          {
            And: [stable, { Variable: "$.weights.read", StringEqualsPath: "$.weights.before" }],
            Next: n("Write"),
          },
          {
            And: [stable, { Variable: "$.weights.read", StringEqualsPath: "$.weights.after" }],
            Next: n("Write"),
          },
          {
            And: [
              { Variable: "$.read.FunctionVersion", StringEqualsPath: "$.member.newVersion" },
              { Variable: "$.weights.read", StringEquals: "{}" },
            ],
            Next: n("Write"),
          },
        ],
        Default: n("Foreign"),
      },
      [n("Write")]: {
        Type: "Task",
        Resource: "arn:aws:states:::aws-sdk:lambda:updateAlias",
        Parameters: {
          "FunctionName.$": "$.member.functionName",
          "Name.$": "$.member.aliasName",
          "FunctionVersion.$": "$.member.stableVersion",
          RoutingConfig: { AdditionalVersionWeights: {} },
          "Description.$":
            "States.Format('lambda-rollout: v{} live since {}{} [execution={}]', $.member.stableVersion, $$.State.EnteredTime, $.member.restoreSuffix, $$.Execution.Id)",
          "RevisionId.$": "$.read.RevisionId",
        },
        ResultPath: null,
        // A write between the read and this one: read and check again, never retry blind.
        Retry: [{ ErrorEquals: ["Lambda.PreconditionFailedException"], MaxAttempts: 0 }, ...RESTORE_RETRY],
        Catch: [
          { ErrorEquals: ["Lambda.PreconditionFailedException"], ResultPath: "$.error", Next: n("Read") },
          { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: n("Unrestored") },
        ],
        Next: n("Restored"),
      },
      [n("Restored")]: outcome("restored"),
      [n("Untouched")]: outcome("untouched"),
      [n("Foreign")]: outcome("foreign"),
      [n("Unrestored")]: outcome("failed"),
    },
  };
}

/** A Map over the current wave's members at the cursor: `before` is what they serve, `after` what to write. */
function waveMap(promote: boolean): State {
  return {
    Type: "Map",
    ItemsPath: "$.plan.members",
    MaxConcurrency: MEMBER_CONCURRENCY,
    Parameters: {
      "member.$": "$$.Map.Item.Value",
      "before.$": "$.cursor.index",
      "after.$": promote ? "$.cursor.index" : "$.step.number",
      "total.$": "$.run.total",
      "weight.$": "$.step.item.weight",
    },
    Iterator: memberWrite(promote),
    // What each member's write ended as, in the members' order (the follower reports from it).
    ResultSelector: { "outcomes.$": "$[*].outcome", "causes.$": "$[*].cause" },
    ResultPath: "$.wrote",
    Catch: CATCH_TASK,
    Next: `${promote ? RELEASE_STATE.promoteWave : RELEASE_STATE.shiftWave}Verdict`,
  };
}

/** After a wave Map: someone else's change first (exit 3), then a write that failed (exit 4), else on. */
function waveVerdict(promote: boolean, next: string): Record<string, State> {
  const name = promote ? RELEASE_STATE.promoteWave : RELEASE_STATE.shiftWave;
  return {
    [`${name}Verdict`]: {
      Type: "Pass",
      Parameters: {
        "foreign.$": "States.ArrayContains($.wrote.outcomes, 'foreign')",
        "failed.$": "States.ArrayContains($.wrote.outcomes, 'failed')",
        "causes.$": "States.JsonToString($.wrote.causes)",
      },
      ResultPath: "$.verdict",
      Next: `${name}Choice`,
    },
    [`${name}Choice`]: {
      Type: "Choice",
      Choices: [
        { Variable: "$.verdict.foreign", BooleanEquals: true, Next: RELEASE_STATE.memberForeign },
        { Variable: "$.verdict.failed", BooleanEquals: true, Next: RELEASE_STATE.memberFailed },
      ],
      Default: next,
    },
  };
}

function waveStates(): Record<string, State> {
  return {
    [RELEASE_STATE.nextWave]: {
      Type: "Choice",
      Choices: [
        { Variable: "$.cursor.wave", NumericLessThanPath: "$.cursor.waves", Next: RELEASE_STATE.loadWave },
      ],
      Default: RELEASE_STATE.releasePromoted,
    },
    [RELEASE_STATE.loadWave]: {
      Type: "Pass",
      Comment:
        "The wave becomes $.plan: the shared gate and bake states read its alarms, poll and hold there.",
      Parameters: { "wave.$": "States.ArrayGetItem($.release.waves, $.cursor.wave)" },
      ResultPath: "$.loaded",
      Next: "UseWave",
    },
    UseWave: {
      Type: "Pass",
      InputPath: "$.loaded.wave",
      ResultPath: "$.plan",
      Next: STATE.gates,
    },
    [SHARED_TARGETS.anySmoke]: {
      Type: "Choice",
      Choices: [{ Variable: "$.plan.smoke[0]", IsPresent: true, Next: STATE.smoke }],
      Default: STATE.nextStep,
    },
    ...smokeStates(
      MEMBER_CONCURRENCY,
      { "functionName.$": "$$.Map.Item.Value.functionName", "version.$": "$$.Map.Item.Value.version" },
      RELEASE_STATE.restoreAll,
    ),
    [STATE.nextStep]: {
      Type: "Choice",
      Choices: [{ Variable: "$.cursor.index", NumericLessThanPath: "$.cursor.count", Next: STATE.loadStep }],
      Default: RELEASE_STATE.promoteWave,
    },
    [STATE.loadStep]: {
      Type: "Pass",
      Parameters: {
        "item.$": "States.ArrayGetItem($.release.steps, $.cursor.index)",
        "number.$": "States.MathAdd($.cursor.index, 1)",
      },
      ResultPath: "$.step",
      Next: RELEASE_STATE.shiftWave,
    },
    [RELEASE_STATE.shiftWave]: waveMap(false),
    ...waveVerdict(false, STATE.startBake),
    [STATE.startBake]: START_BAKE,
    [SHARED_TARGETS.advance]: {
      Type: "Pass",
      Parameters: {
        "index.$": "States.MathAdd($.cursor.index, 1)",
        "count.$": "$.cursor.count",
        "wave.$": "$.cursor.wave",
        "waves.$": "$.cursor.waves",
      },
      ResultPath: "$.cursor",
      Next: STATE.nextStep,
    },
    [RELEASE_STATE.promoteWave]: waveMap(true),
    ...waveVerdict(true, STATE.afterPromote),
    [STATE.afterPromote]: {
      Type: "Choice",
      Choices: [{ Variable: "$.plan.finalBakeSeconds", NumericGreaterThan: 0, Next: STATE.finalBake }],
      Default: SHARED_TARGETS.promoted,
    },
    [STATE.finalBake]: {
      Type: "Pass",
      Parameters: {
        phase: "bake",
        final: true,
        "total.$": "$.run.total",
        "remaining.$": "$.plan.finalBakeSeconds",
      },
      ResultPath: "$.run",
      Next: STATE.bakeLoop,
    },
    [SHARED_TARGETS.promoted]: {
      Type: "Pass",
      Comment: "The wave is promoted and held: on to the next one, from its first step.",
      Parameters: {
        index: 0,
        "count.$": "$.cursor.count",
        "wave.$": "States.MathAdd($.cursor.wave, 1)",
        "waves.$": "$.cursor.waves",
      },
      ResultPath: "$.cursor",
      Next: RELEASE_STATE.resetRun,
    },
    [RELEASE_STATE.resetRun]: {
      Type: "Pass",
      Parameters: { phase: "pre-traffic", final: false, "total.$": "$.run.total", remaining: 0 },
      ResultPath: "$.run",
      Next: RELEASE_STATE.nextWave,
    },
    [RELEASE_STATE.releasePromoted]: { Type: "Succeed" },
  };
}

function releaseFailureStates(): Record<string, State> {
  return {
    [STATE.recordFailure]: {
      Type: "Pass",
      Parameters: {
        error: FAILURE.task,
        "cause.$": "States.Format('{} ({}): {}', $.error.Error, $.run.phase, $.error.Cause)",
      },
      ResultPath: "$.failure",
      Next: RELEASE_STATE.restoreAll,
    },
    [RELEASE_STATE.memberForeign]: {
      Type: "Pass",
      Parameters: {
        error: FAILURE.foreign,
        "cause.$": "States.Format('per function of the wave, in order: {}', $.verdict.causes)",
      },
      ResultPath: "$.failure",
      Next: RELEASE_STATE.restoreAll,
    },
    [RELEASE_STATE.memberFailed]: {
      Type: "Pass",
      Parameters: {
        error: FAILURE.task,
        "cause.$":
          "States.Format('an alias write failed after its retries ({}); per function of the wave, in order: {}', $.run.phase, $.verdict.causes)",
      },
      ResultPath: "$.failure",
      Next: RELEASE_STATE.restoreAll,
    },
    [RELEASE_STATE.restoreAll]: {
      Type: "Map",
      Comment: "Every member of the release, earlier waves included: each one this release moved goes back.",
      ItemsPath: "$.release.members",
      MaxConcurrency: MEMBER_CONCURRENCY,
      Parameters: {
        "member.$": "$$.Map.Item.Value",
        "before.$": "$.cursor.index",
        "after.$": "$.step.number",
      },
      Iterator: memberRestore(),
      ResultSelector: { "functions.$": "$[*].functionName", "outcomes.$": "$[*].outcome" },
      ResultPath: "$.restored",
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.restoreError", Next: STATE.restoreFailed }],
      Next: RELEASE_STATE.restoreVerdict,
    },
    [RELEASE_STATE.restoreVerdict]: {
      Type: "Pass",
      Parameters: { "failed.$": "States.ArrayContains($.restored.outcomes, 'failed')" },
      ResultPath: "$.restoreCheck",
      Next: "RestoreChoice",
    },
    RestoreChoice: {
      Type: "Choice",
      Choices: [{ Variable: "$.restoreCheck.failed", BooleanEquals: true, Next: STATE.restoreFailed }],
      Default: STATE.failed,
    },
    [STATE.failed]: { Type: "Fail", ErrorPath: "$.failure.error", CausePath: "$.failure.cause" },
    [STATE.restoreFailed]: {
      Type: "Fail",
      Error: FAILURE.restore,
      CausePath:
        "States.Format('{} Restoring every function of release {} then failed for some (functions {}: {}); run lambda-rollout rollback --config FILE --env NAME', $.failure.cause, $.release.releaseId, States.JsonToString($.restored.functions), States.JsonToString($.restored.outcomes))",
    },
  };
}

/** The release definition, as an object. */
export function releaseStateMachineDefinition(): Record<string, unknown> {
  return {
    Comment:
      "lambda-rollout: a release of many Lambda functions (one region), wave by wave in lockstep, run server-side. Input: the release (see lambda-rollout's docs/guides/server-side.md).",
    StartAt: STATE.init,
    States: {
      [STATE.init]: {
        Type: "Pass",
        Parameters: {
          "release.$": "$",
          cursor: {
            wave: 0,
            "waves.$": "States.ArrayLength($.waves)",
            index: 0,
            "count.$": "States.ArrayLength($.steps)",
          },
          step: { number: 0, item: { weight: 0, bakeSeconds: 0 } },
          run: {
            phase: "pre-traffic",
            final: false,
            "total.$": "States.MathAdd(States.ArrayLength($.steps), 1)",
            remaining: 0,
          },
        },
        Next: RELEASE_STATE.nextWave,
      },
      ...gateStates(RELEASE_STATE.restoreAll, { approval: false }),
      ...bakeStates(),
      ...waveStates(),
      ...releaseFailureStates(),
    },
  };
}

/** As `lambda-rollout state-machine --release` prints it and the Terraform module stores it. */
export function releaseStateMachineJson(): string {
  return `${JSON.stringify(releaseStateMachineDefinition(), null, 2)}\n`;
}
