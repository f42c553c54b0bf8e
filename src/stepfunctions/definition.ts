/**
 * The one generic Amazon States Language definition that runs a roll-out server-side: any plan, given
 * as execution input ({@link ExecutionInput}), for any function of the account. Pure data; nothing here
 * talks to AWS. `lambda-rollout state-machine` prints it and the Terraform module ships the same bytes.
 *
 * Shape (JSONPath only: the emulator has no JSONata):
 *   Init -> alarms (pre-traffic) -> Smoke (Map over payloads) -> for each step (an index walked with
 *   States.ArrayGetItem / States.MathAdd, not a Map): Shift, bake loop (Wait poll interval + alarms)
 *   -> manual approval when asked (approvalStates) -> Promote -> final bake loop -> Succeed.
 *   Any gate failure or task error after retries -> RecordFailure -> Restore (100% stable, routing
 *   removed) -> Fail with the failure's error name.
 *   Every alias write (Shift, Promote, Restore) is preceded by a guard (GetAlias + checks, see
 *   aliasGuard) and carries the RevisionId it read: a change made by someone else ends the execution
 *   with ForeignChange and no further write.
 *
 * One gate block serves every phase: `$.run.phase` says where to go when it passes, as a subroutine
 * would. Progress goes into the alias description in the format of src/rollout/progress.ts, with the
 * execution ARN appended, so `status` finds the execution from the alias alone.
 */

/** The execution input: a plan, resolved by the CLI (see server-side.ts). */
export interface ExecutionInput {
  functionName: string;
  aliasName: string;
  stableVersion: string;
  newVersion: string;
  /** Each step's routing is the weight as UpdateAlias wants it (a fraction keyed by the new version). */
  steps: {
    weight: number;
    bakeSeconds: number;
    routing: { AdditionalVersionWeights: Record<string, number> };
  }[];
  finalBakeSeconds: number;
  /** Whole seconds between two health checks during a bake (>= 1). */
  pollSeconds: number;
  alarms: string[];
  /** Invocations of the new version before any traffic moves; `statusCode` when one is expected. */
  smoke: { payload: string; statusCode?: number }[];
  /** ` [code=... config=...]` of each version (see progress.ts), or "" when unknown. */
  stableFacts: string;
  newFacts: string;
  /**
   * Manual approval (approvalStates): after the last step's bake, wait for `lambda-rollout approve`
   * (SendTaskSuccess with the token written at `key` in the ledger bucket) for at most
   * `timeoutSeconds`, then fail with `expiredReason`.
   */
  approval?: { bucket: string; key: string; timeoutSeconds: number; expiredReason: string };
}

/** Error names the execution fails with; the CLI maps them to outcomes and exit codes. */
export const FAILURE = {
  alarm: "lambda-rollout.AlarmGateFailed",
  /** A named alarm DescribeAlarms no longer returns (deleted or renamed mid-run): it cannot gate. */
  alarmMissing: "lambda-rollout.AlarmMissing",
  smoke: "lambda-rollout.SmokeGateFailed",
  task: "lambda-rollout.TaskFailed",
  restore: "lambda-rollout.RestoreFailed",
  /**
   * Someone else changed the alias's version or routing mid-run (a manual update-alias): the execution
   * ends without writing again, leaving the other party's routing as it is (the local engine's exit 3).
   */
  foreign: "lambda-rollout.ForeignChange",
  /** No `lambda-rollout approve` within the approval timeout: the stable version was restored. */
  approval: "lambda-rollout.ApprovalTimedOut",
} as const;

/** State names the follower reads in the execution history. */
export const STATE = {
  init: "Init",
  gates: "Gates",
  describeAlarms: "DescribeAlarms",
  alarmVerdict: "AlarmVerdict",
  gatesPassed: "GatesPassed",
  anySmoke: "AnySmoke",
  smoke: "Smoke",
  nextStep: "NextStep",
  loadStep: "LoadStep",
  shift: "Shift",
  bakeLoop: "BakeLoop",
  waitPoll: "WaitPoll",
  waitRest: "WaitRest",
  afterPoll: "AfterPoll",
  afterWait: "AfterWait",
  decision: "Decision",
  finalCheck: "FinalCheck",
  advance: "Advance",
  promote: "Promote",
  finalBake: "FinalBake",
  promoted: "Promoted",
  recordFailure: "RecordFailure",
  restore: "Restore",
  failed: "Failed",
  restoreFailed: "RestoreFailed",
  restOfBakeDone: "BakeElapsed",
  alarmChoice: "AlarmChoice",
  alarmFailed: "AlarmFailed",
  alarmMissing: "AlarmMissing",
  smokeFailed: "SmokeFailed",
  startBake: "StartBake",
  afterPromote: "AfterPromote",
  foreignChange: "ForeignChange",
  approvalNeeded: "ApprovalNeeded",
  startApproval: "StartApproval",
  awaitApproval: "AwaitApproval",
  afterApprovalPoll: "AfterApprovalPoll",
  approvalLeft: "ApprovalLeft",
  approvalExpired: "ApprovalExpired",
  approved: "Approved",
} as const;

/** The states that read and check the alias before a write (see {@link aliasGuard}). */
export const guardStates = (write: string) => ({
  read: `ReadBefore${write}`,
  routed: `RoutedBefore${write}`,
  weights: `WeightsBefore${write}`,
  noWeights: `NoWeightsBefore${write}`,
  check: `CheckBefore${write}`,
});

export type State = Record<string, unknown>;

export const LAMBDA_RETRY = [
  {
    ErrorEquals: [
      "Lambda.TooManyRequestsException",
      "Lambda.ServiceException",
      "Lambda.ResourceConflictException",
      "Lambda.SdkClientException",
      "Lambda.AWSLambdaException",
    ],
    IntervalSeconds: 2,
    MaxAttempts: 5,
    BackoffRate: 2,
  },
];

const CLOUDWATCH_RETRY = [
  {
    ErrorEquals: [
      "CloudWatch.LimitExceededException",
      "CloudWatch.InternalServiceException",
      "CloudWatch.SdkClientException",
      "CloudWatch.CloudWatchException",
    ],
    IntervalSeconds: 2,
    MaxAttempts: 5,
    BackoffRate: 2,
  },
];

/** Restoring must outlast throttling and short outages: more attempts than any other task. */
export const RESTORE_RETRY = [
  { ErrorEquals: ["States.ALL"], IntervalSeconds: 2, MaxAttempts: 8, BackoffRate: 2, MaxDelaySeconds: 30 },
];

/** A task error after its retries: recorded as the failure, then the alias is restored. */
export const CATCH_TASK = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: STATE.recordFailure }];

/** Writes 100% on one version, routing removed (an empty map; an omitted RoutingConfig changes nothing). */
function wholeAlias(version: string, facts: string, next: string | undefined, extra: State = {}): State {
  return {
    Type: "Task",
    Resource: "arn:aws:states:::aws-sdk:lambda:updateAlias",
    Parameters: {
      "FunctionName.$": "$.plan.functionName",
      "Name.$": "$.plan.aliasName",
      "FunctionVersion.$": version,
      RoutingConfig: { AdditionalVersionWeights: {} },
      "Description.$": `States.Format('lambda-rollout: v{} live since {}{} [execution={}]', ${version}, $$.State.EnteredTime, ${facts}, $$.Execution.Id)`,
      "RevisionId.$": "$.read.RevisionId",
    },
    ResultPath: null,
    ...(next ? { Next: next } : { End: true }),
    ...extra,
  };
}

/**
 * Before every alias write: GetAlias, then the write only if the alias still serves what this execution
 * last wrote (`$.written`: version and AdditionalVersionWeights as Lambda returned them; 100% stable
 * before the first shift). The write then carries the RevisionId just read, so a change between the
 * read and the write fails it (PreconditionFailedException) instead of being overwritten. Before
 * Restore, the step the execution was writing is accepted too: a shift whose reply was lost may have
 * landed, and an alias left split is worse than a restore.
 */
function aliasGuard(
  write: string,
  options: { retry: unknown[]; catch: unknown[]; acceptAttempted: boolean },
): Record<string, State> {
  const names = guardStates(write);
  const attempted = "States.JsonToString($.step.item.routing.AdditionalVersionWeights)";
  return {
    [names.read]: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:lambda:getAlias",
      Parameters: { "FunctionName.$": "$.plan.functionName", "Name.$": "$.plan.aliasName" },
      // The whole reply: RoutingConfig is absent when there is no routing, and a selector would fail on it.
      ResultPath: "$.read",
      Retry: options.retry,
      Catch: options.catch,
      Next: names.routed,
    },
    [names.routed]: {
      Type: "Choice",
      Choices: [
        { Variable: "$.read.RoutingConfig.AdditionalVersionWeights", IsPresent: true, Next: names.weights },
      ],
      Default: names.noWeights,
    },
    [names.weights]: {
      Type: "Pass",
      Parameters: {
        "read.$": "States.JsonToString($.read.RoutingConfig.AdditionalVersionWeights)",
        "attempted.$": attempted,
      },
      ResultPath: "$.weights",
      Next: names.check,
    },
    [names.noWeights]: {
      Type: "Pass",
      Parameters: { read: "{}", "attempted.$": attempted },
      ResultPath: "$.weights",
      Next: names.check,
    },
    [names.check]: {
      Type: "Choice",
      Choices: [
        {
          And: [
            { Variable: "$.read.FunctionVersion", StringEqualsPath: "$.written.version" },
            { Variable: "$.weights.read", StringEqualsPath: "$.written.weights" },
          ],
          Next: write,
        },
        ...(options.acceptAttempted
          ? [
              {
                And: [
                  { Variable: "$.read.FunctionVersion", StringEqualsPath: "$.plan.stableVersion" },
                  { Variable: "$.weights.read", StringEqualsPath: "$.weights.attempted" },
                ],
                Next: write,
              },
            ]
          : []),
      ],
      Default: STATE.foreignChange,
    },
  };
}

/** Waits, then counts the wait off the bake. */
export function bakeStates(): Record<string, State> {
  return {
    [STATE.bakeLoop]: {
      Type: "Choice",
      Comment: "Bake: wait one poll interval (or what is left), check the gates, until the bake has elapsed.",
      Choices: [
        {
          And: [
            { Variable: "$.run.remaining", NumericLessThanEquals: 0 },
            { Variable: "$.run.final", BooleanEquals: true },
          ],
          Next: STATE.finalCheck,
        },
        { Variable: "$.run.remaining", NumericLessThanEquals: 0, Next: STATE.decision },
        {
          Variable: "$.run.remaining",
          NumericGreaterThanEqualsPath: "$.plan.pollSeconds",
          Next: STATE.waitPoll,
        },
      ],
      Default: STATE.waitRest,
    },
    [STATE.waitPoll]: { Type: "Wait", SecondsPath: "$.plan.pollSeconds", Next: STATE.afterPoll },
    [STATE.afterPoll]: {
      Type: "Pass",
      Comment: "remaining - poll: MathAdd with the poll interval negated by formatting '-{}' and parsing it.",
      Parameters: {
        "phase.$": "$.run.phase",
        "final.$": "$.run.final",
        "total.$": "$.run.total",
        "remaining.$":
          "States.MathAdd($.run.remaining, States.StringToJson(States.Format('-{}', $.plan.pollSeconds)))",
      },
      ResultPath: "$.run",
      Next: STATE.afterWait,
    },
    // The rest of a bake that is not a whole number of polls: waiting it out ends the bake (its Next
    // must count it off, or the loop waits the same rest again, forever).
    [STATE.waitRest]: { Type: "Wait", SecondsPath: "$.run.remaining", Next: STATE.restOfBakeDone },
    [STATE.afterWait]: {
      Type: "Choice",
      Comment: "The gates run after every wait but the last; the last one ends in the decision check.",
      Choices: [{ Variable: "$.run.remaining", NumericGreaterThan: 0, Next: STATE.gates }],
      Default: STATE.restOfBakeDone,
    },
    [STATE.restOfBakeDone]: {
      Type: "Pass",
      Parameters: {
        "phase.$": "$.run.phase",
        "final.$": "$.run.final",
        "total.$": "$.run.total",
        remaining: 0,
      },
      ResultPath: "$.run",
      Next: STATE.bakeLoop,
    },
    [STATE.decision]: {
      Type: "Pass",
      Parameters: { phase: "decision", final: false, "total.$": "$.run.total", remaining: 0 },
      ResultPath: "$.run",
      Next: STATE.gates,
    },
    [STATE.finalCheck]: {
      Type: "Pass",
      Parameters: { phase: "final-check", final: true, "total.$": "$.run.total", remaining: 0 },
      ResultPath: "$.run",
      Next: STATE.gates,
    },
  };
}

/** The gate check every phase shares; `onFailure` is where a failed gate goes to restore (a release's restore differs). */
export function gateStates(
  onFailure: string = guardStates(STATE.restore).read,
  /** Whether the machine has the manual approval states (approvalStates) the checks return to. */
  { approval = true }: { approval?: boolean } = {},
): Record<string, State> {
  return {
    [STATE.gates]: {
      Type: "Choice",
      Choices: [{ Variable: "$.plan.alarms[0]", IsPresent: true, Next: STATE.describeAlarms }],
      Default: STATE.gatesPassed,
    },
    [STATE.describeAlarms]: {
      Type: "Task",
      Comment:
        "Every alarm's StateValue is read and tested here: the StateValue request filter is not relied on.",
      Resource: "arn:aws:states:::aws-sdk:cloudwatch:describeAlarms",
      // At most 100 names (input.ts refuses more), so one page of 100 holds every alarm that exists.
      Parameters: {
        "AlarmNames.$": "$.plan.alarms",
        AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
        MaxRecords: 100,
      },
      ResultSelector: {
        // Filter expressions are avoided: an empty match is an error in some interpreters.
        "names.$": "$.MetricAlarms[*].AlarmName",
        "states.$": "$.MetricAlarms[*].StateValue",
        "compositeNames.$": "$.CompositeAlarms[*].AlarmName",
        "compositeStates.$": "$.CompositeAlarms[*].StateValue",
      },
      ResultPath: "$.alarms",
      Retry: CLOUDWATCH_RETRY,
      Catch: CATCH_TASK,
      Next: STATE.alarmVerdict,
    },
    [STATE.alarmVerdict]: {
      Type: "Pass",
      Parameters: {
        "metric.$": "States.ArrayContains($.alarms.states, 'ALARM')",
        "composite.$": "States.ArrayContains($.alarms.compositeStates, 'ALARM')",
        // DescribeAlarms silently leaves out names that do not exist: fewer back than named fails.
        "found.$":
          "States.MathAdd(States.ArrayLength($.alarms.names), States.ArrayLength($.alarms.compositeNames))",
        "expected.$": "States.ArrayLength($.plan.alarms)",
      },
      ResultPath: "$.firing",
      Next: STATE.alarmChoice,
    },
    [STATE.alarmChoice]: {
      Type: "Choice",
      Choices: [
        { Variable: "$.firing.found", NumericLessThanPath: "$.firing.expected", Next: STATE.alarmMissing },
        { Variable: "$.firing.metric", BooleanEquals: true, Next: STATE.alarmFailed },
        { Variable: "$.firing.composite", BooleanEquals: true, Next: STATE.alarmFailed },
      ],
      Default: STATE.gatesPassed,
    },
    [STATE.alarmFailed]: {
      Type: "Pass",
      Parameters: {
        error: FAILURE.alarm,
        "cause.$":
          // Lists as JSON text: JSONPath has no way to pair each name with its state in one sentence.
          "States.Format('an alarm is in ALARM ({}): the metric alarms {} are in the states {}, and the composite alarms {} in the states {}, in that order', $.run.phase, States.JsonToString($.alarms.names), States.JsonToString($.alarms.states), States.JsonToString($.alarms.compositeNames), States.JsonToString($.alarms.compositeStates))",
      },
      ResultPath: "$.failure",
      Next: onFailure,
    },
    [STATE.alarmMissing]: {
      Type: "Pass",
      Parameters: {
        error: FAILURE.alarmMissing,
        "cause.$":
          "States.Format('an alarm no longer exists ({}): the roll-out watches {} but DescribeAlarms found only the metric alarms {} and the composite alarms {}; a deleted or renamed alarm cannot gate', $.run.phase, States.JsonToString($.plan.alarms), States.JsonToString($.alarms.names), States.JsonToString($.alarms.compositeNames))",
      },
      ResultPath: "$.failure",
      Next: onFailure,
    },
    [STATE.gatesPassed]: {
      Type: "Choice",
      Choices: [
        { Variable: "$.run.phase", StringEquals: "pre-traffic", Next: STATE.anySmoke },
        { Variable: "$.run.phase", StringEquals: "bake", Next: STATE.bakeLoop },
        { Variable: "$.run.phase", StringEquals: "decision", Next: STATE.advance },
        ...(approval
          ? [
              { Variable: "$.run.phase", StringEquals: "approval", Next: STATE.awaitApproval },
              { Variable: "$.run.phase", StringEquals: "approved", Next: guardStates(STATE.promote).read },
            ]
          : []),
      ],
      Default: STATE.promoted,
    },
  };
}

/**
 * The smoke gate: a Map of invocations of the new version(s) (`which` says how an item names its
 * function and version), then the next step; a failure goes to `onFailure` with the cause recorded.
 */
export function smokeStates(
  maxConcurrency: number,
  which: { "functionName.$": string; "version.$": string },
  onFailure: string,
): Record<string, State> {
  return {
    [STATE.smoke]: {
      Type: "Map",
      ItemsPath: "$.plan.smoke",
      MaxConcurrency: maxConcurrency,
      Parameters: { ...which, "check.$": "$$.Map.Item.Value" },
      Iterator: smokeIteration(),
      ResultPath: null,
      Catch: [
        // A response that is not JSON fails StringToJson: that is the smoke gate's verdict too.
        {
          ErrorEquals: [FAILURE.smoke, "States.IntrinsicFailure"],
          ResultPath: "$.error",
          Next: STATE.smokeFailed,
        },
        ...CATCH_TASK,
      ],
      Next: STATE.nextStep,
    },
    [STATE.smokeFailed]: {
      Type: "Pass",
      Parameters: { error: FAILURE.smoke, "cause.$": "$.error.Cause" },
      ResultPath: "$.failure",
      Next: onFailure,
    },
  };
}

/** After a shift: the bake of the step at the cursor begins (the run document the bake loop counts down). */
export const START_BAKE: State = {
  Type: "Pass",
  Parameters: {
    phase: "bake",
    final: false,
    "total.$": "$.run.total",
    "remaining.$": "$.step.item.bakeSeconds",
  },
  ResultPath: "$.run",
  Next: STATE.bakeLoop,
};

const SMOKE_FAIL = (cause: string): State => ({ Type: "Fail", Error: FAILURE.smoke, CausePath: cause });

/**
 * One smoke invocation of the new version: it must not raise, and must carry the expected statusCode
 * (or, without an expectation, not a 5xx one). The optimized Lambda integration is used, not the
 * aws-sdk one: it parses the response payload and turns a FunctionError into a task error.
 */
export function smokeIteration(): State {
  const code = "$.response.Payload.statusCode";
  return {
    StartAt: "Invoke",
    States: {
      Invoke: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: {
          "FunctionName.$": "$.functionName",
          "Qualifier.$": "$.version",
          // An object: Step Functions serialises it as the event (a string would arrive JSON-quoted).
          "Payload.$": "States.StringToJson($.check.payload)",
        },
        ResultSelector: { "Payload.$": "$.Payload" },
        ResultPath: "$.response",
        // Throttling only: an invocation that may have run is not repeated.
        Retry: [
          {
            ErrorEquals: ["Lambda.TooManyRequestsException"],
            IntervalSeconds: 2,
            MaxAttempts: 5,
            BackoffRate: 2,
          },
        ],
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.invokeError", Next: "InvokeFailed" }],
        Next: "ExpectationChoice",
      },
      InvokeFailed: SMOKE_FAIL(
        "States.Format('smoke invocation of v{} failed: {}: {}', $.version, $.invokeError.Error, $.invokeError.Cause)",
      ),
      ExpectationChoice: {
        Type: "Choice",
        Choices: [{ Variable: "$.check.statusCode", IsPresent: true, Next: "ExpectedStatus" }],
        Default: "ServerErrorStatus",
      },
      // Rules are tried in order, so a comparison only meets a status code that exists and is a number.
      ExpectedStatus: {
        Type: "Choice",
        Choices: [
          { Variable: code, IsPresent: false, Next: "StatusMismatch" },
          { Variable: code, IsNumeric: false, Next: "StatusMismatch" },
          { Variable: code, NumericEqualsPath: "$.check.statusCode", Next: "SmokePassed" },
        ],
        Default: "StatusMismatch",
      },
      StatusMismatch: SMOKE_FAIL(
        "States.Format('smoke invocation of v{}: response {} does not carry the expected statusCode {}', $.version, States.JsonToString($.response.Payload), $.check.statusCode)",
      ),
      // Without an expectation, an API Gateway-style 5xx still fails, as in the local smoke gate.
      ServerErrorStatus: {
        Type: "Choice",
        Choices: [
          { Variable: code, IsPresent: false, Next: "SmokePassed" },
          { Variable: code, IsNumeric: false, Next: "SmokePassed" },
          { Variable: code, NumericGreaterThanEquals: 500, Next: "ServerError" },
        ],
        Default: "SmokePassed",
      },
      ServerError: SMOKE_FAIL(
        "States.Format('smoke invocation of v{}: statusCode {} (a server error)', $.version, $.response.Payload.statusCode)",
      ),
      SmokePassed: { Type: "Succeed" },
    },
  };
}

function stepStates(): Record<string, State> {
  return {
    // A Map over no items never finishes in some interpreters (the emulator's): skip it instead.
    [STATE.anySmoke]: {
      Type: "Choice",
      Choices: [{ Variable: "$.plan.smoke[0]", IsPresent: true, Next: STATE.smoke }],
      Default: STATE.nextStep,
    },
    ...smokeStates(
      1,
      { "functionName.$": "$.plan.functionName", "version.$": "$.plan.newVersion" },
      guardStates(STATE.restore).read,
    ),
    [STATE.nextStep]: {
      Type: "Choice",
      Choices: [{ Variable: "$.cursor.index", NumericLessThanPath: "$.cursor.count", Next: STATE.loadStep }],
      Default: STATE.approvalNeeded,
    },
    [STATE.loadStep]: {
      Type: "Pass",
      Parameters: {
        "item.$": "States.ArrayGetItem($.plan.steps, $.cursor.index)",
        "number.$": "States.MathAdd($.cursor.index, 1)",
      },
      ResultPath: "$.step",
      Next: guardStates(STATE.shift).read,
    },
    [STATE.shift]: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:lambda:updateAlias",
      Parameters: {
        "FunctionName.$": "$.plan.functionName",
        "Name.$": "$.plan.aliasName",
        "FunctionVersion.$": "$.plan.stableVersion",
        "RoutingConfig.$": "$.step.item.routing",
        "Description.$":
          "States.Format('lambda-rollout: step {}/{}, {}% to v{} from v{} since {} [execution={}]', $.step.number, $.run.total, $.step.item.weight, $.plan.newVersion, $.plan.stableVersion, $$.State.EnteredTime, $$.Execution.Id)",
        "RevisionId.$": "$.read.RevisionId",
      },
      // What Lambda stored, as the next guard will read it back.
      ResultSelector: {
        "version.$": "$.FunctionVersion",
        "weights.$": "States.JsonToString($.RoutingConfig.AdditionalVersionWeights)",
      },
      ResultPath: "$.written",
      Retry: LAMBDA_RETRY,
      Catch: CATCH_TASK,
      Next: STATE.startBake,
    },
    [STATE.startBake]: START_BAKE,
    [STATE.advance]: {
      Type: "Pass",
      Parameters: { "index.$": "States.MathAdd($.cursor.index, 1)", "count.$": "$.cursor.count" },
      ResultPath: "$.cursor",
      Next: STATE.nextStep,
    },
    ...aliasGuard(STATE.shift, { retry: LAMBDA_RETRY, catch: CATCH_TASK, acceptAttempted: false }),
    ...aliasGuard(STATE.promote, { retry: LAMBDA_RETRY, catch: CATCH_TASK, acceptAttempted: false }),
    [STATE.promote]: wholeAlias("$.plan.newVersion", "$.plan.newFacts", STATE.afterPromote, {
      ResultSelector: { "version.$": "$.FunctionVersion", weights: "{}" },
      ResultPath: "$.written",
      Retry: LAMBDA_RETRY,
      Catch: CATCH_TASK,
    }),
    [STATE.afterPromote]: {
      Type: "Choice",
      Choices: [{ Variable: "$.plan.finalBakeSeconds", NumericGreaterThan: 0, Next: STATE.finalBake }],
      Default: STATE.promoted,
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
    [STATE.promoted]: { Type: "Succeed" },
  };
}

const S3_RETRY = [
  {
    ErrorEquals: ["S3.SdkClientException", "S3.S3Exception", "S3.InternalErrorException"],
    IntervalSeconds: 2,
    MaxAttempts: 5,
    BackoffRate: 2,
  },
];

/**
 * Manual approval, between the last step's bake and the promotion (the plan's `approval`; without it,
 * straight on to the promotion). A task that waits for a token cannot check the gates while it waits,
 * so the wait is a loop of bounded waits, as the local engine's is: each writes a fresh task token to
 * the ledger (`approve` reads it there and sends SendTaskSuccess) and times out after one poll
 * interval; then the time waited is counted off the approval timeout and the gates run, as in a bake.
 * The object is `[token, since, execution, timeoutSeconds, pollSeconds]` as JSON: `since` (when the
 * wait began) lets `status` and `approve` say until when it waits. An approval runs the gates once more,
 * then promotes; the timeout fails with `lambda-rollout.ApprovalTimedOut` and restores the stable version.
 * Callback pattern: https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token
 */
function approvalStates(): Record<string, State> {
  const run = (phase: string, remaining: string | number, since = "$.run.since"): State => ({
    phase,
    final: false,
    "total.$": "$.run.total",
    ...(typeof remaining === "number" ? { remaining } : { "remaining.$": remaining }),
    "since.$": since,
  });
  return {
    [STATE.approvalNeeded]: {
      Type: "Choice",
      Choices: [{ Variable: "$.plan.approval", IsPresent: true, Next: STATE.startApproval }],
      Default: guardStates(STATE.promote).read,
    },
    [STATE.startApproval]: {
      Type: "Pass",
      Parameters: run("approval", "$.plan.approval.timeoutSeconds", "$$.State.EnteredTime"),
      ResultPath: "$.run",
      Next: STATE.awaitApproval,
    },
    [STATE.awaitApproval]: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:s3:putObject.waitForTaskToken",
      Parameters: {
        "Bucket.$": "$.plan.approval.bucket",
        "Key.$": "$.plan.approval.key",
        // An array, not an object: a JSON object cannot be built around $$.Task.Token in JSONPath.
        "Body.$":
          "States.JsonToString(States.Array($$.Task.Token, $.run.since, $$.Execution.Id, $.plan.approval.timeoutSeconds, $.plan.pollSeconds))",
        ContentType: "application/json",
      },
      TimeoutSecondsPath: "$.plan.pollSeconds",
      ResultPath: "$.approved",
      Retry: S3_RETRY,
      Catch: [
        { ErrorEquals: ["States.Timeout"], ResultPath: "$.approvalPoll", Next: STATE.afterApprovalPoll },
        ...CATCH_TASK,
      ],
      Next: STATE.approved,
    },
    [STATE.afterApprovalPoll]: {
      Type: "Pass",
      Parameters: run(
        "approval",
        "States.MathAdd($.run.remaining, States.StringToJson(States.Format('-{}', $.plan.pollSeconds)))",
      ),
      ResultPath: "$.run",
      Next: STATE.approvalLeft,
    },
    [STATE.approvalLeft]: {
      Type: "Choice",
      Choices: [{ Variable: "$.run.remaining", NumericLessThanEquals: 0, Next: STATE.approvalExpired }],
      Default: STATE.gates,
    },
    [STATE.approvalExpired]: {
      Type: "Pass",
      Parameters: { error: FAILURE.approval, "cause.$": "$.plan.approval.expiredReason" },
      ResultPath: "$.failure",
      Next: guardStates(STATE.restore).read,
    },
    // The gates' last word comes after the approval, right before traffic moves (as locally).
    [STATE.approved]: {
      Type: "Pass",
      Parameters: run("approved", 0),
      ResultPath: "$.run",
      Next: STATE.gates,
    },
  };
}

function failureStates(): Record<string, State> {
  return {
    [STATE.recordFailure]: {
      Type: "Pass",
      Parameters: {
        error: FAILURE.task,
        "cause.$": "States.Format('{} ({}): {}', $.error.Error, $.run.phase, $.error.Cause)",
      },
      ResultPath: "$.failure",
      Next: guardStates(STATE.restore).read,
    },
    ...aliasGuard(STATE.restore, {
      retry: RESTORE_RETRY,
      catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.restoreError", Next: STATE.restoreFailed }],
      acceptAttempted: true,
    }),
    [STATE.restore]: wholeAlias("$.plan.stableVersion", "$.plan.stableFacts", STATE.failed, {
      // A write between the guard's read and this one: read and check again, never retry blind.
      Retry: [{ ErrorEquals: ["Lambda.PreconditionFailedException"], MaxAttempts: 0 }, ...RESTORE_RETRY],
      Catch: [
        {
          ErrorEquals: ["Lambda.PreconditionFailedException"],
          ResultPath: "$.restoreError",
          Next: guardStates(STATE.restore).read,
        },
        { ErrorEquals: ["States.ALL"], ResultPath: "$.restoreError", Next: STATE.restoreFailed },
      ],
    }),
    [STATE.foreignChange]: {
      Type: "Pass",
      Parameters: {
        error: FAILURE.foreign,
        "cause.$":
          "States.Format('the alias {} was changed outside this execution ({}): it serves v{} with additional weights {}, where the execution last wrote v{} with {}; it is left as the other change set it', $.plan.aliasName, $.run.phase, $.read.FunctionVersion, $.weights.read, $.written.version, $.written.weights)",
      },
      ResultPath: "$.failure",
      Next: STATE.failed,
    },
    [STATE.failed]: { Type: "Fail", ErrorPath: "$.failure.error", CausePath: "$.failure.cause" },
    [STATE.restoreFailed]: {
      Type: "Fail",
      Error: FAILURE.restore,
      CausePath:
        "States.Format('{} Restoring 100% on v{} then failed ({}); the alias may be split: run lambda-rollout rollback --function {} --alias {}', $.failure.cause, $.plan.stableVersion, $.restoreError.Error, $.plan.functionName, $.plan.aliasName)",
    },
  };
}

/** The definition, as an object. */
export function stateMachineDefinition(): Record<string, unknown> {
  return {
    Comment:
      "lambda-rollout: a weighted-alias roll-out of any Lambda function, run server-side. Input: the plan (see lambda-rollout's docs/guides/server-side.md).",
    StartAt: STATE.init,
    States: {
      [STATE.init]: {
        Type: "Pass",
        Parameters: {
          "plan.$": "$",
          cursor: { index: 0, "count.$": "States.ArrayLength($.steps)" },
          // Before the first shift: the alias as the CLI validated it, and no step attempted yet.
          written: { "version.$": "$.stableVersion", weights: "{}" },
          step: { number: 0, item: { weight: 0, bakeSeconds: 0, routing: { AdditionalVersionWeights: {} } } },
          run: {
            phase: "pre-traffic",
            final: false,
            "total.$": "States.MathAdd(States.ArrayLength($.steps), 1)",
            remaining: 0,
          },
        },
        Next: STATE.gates,
      },
      ...gateStates(),
      ...stepStates(),
      ...bakeStates(),
      ...approvalStates(),
      ...failureStates(),
    },
  };
}

/** The definition as `lambda-rollout state-machine` prints it and the Terraform module stores it. */
export function stateMachineJson(): string {
  return `${JSON.stringify(stateMachineDefinition(), null, 2)}\n`;
}
