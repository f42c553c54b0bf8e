/**
 * `deploy --config … --env … --engine stepfunctions` for a release: validated as a local release is
 * (release.ts), then every package is published (all waves: the execution needs every new version),
 * and the whole release runs in one execution of the release definition
 * (src/stepfunctions/release-definition.ts). Followed, the CLI reads its history and reports the local
 * release's events, outcome and exit codes; detached, it returns at once with outcome `started`.
 *
 * One region only: a state machine changes aliases in its own region (Step Functions has no
 * cross-region SDK integration: AWS CDK's CallAwsServiceCrossRegion deploys a Lambda proxy for that,
 * https://github.com/aws/aws-cdk/pull/30061), so a release across regions is refused (exit 2) before
 * anything is read or written.
 */
import {
  AwsError,
  ConflictError,
  ExitCode,
  GateFailedError,
  InputError,
  RollbackFailedError,
  type RolloutError,
} from "../../errors.js";
import type { Clock, StepFunctionsPort } from "../../ports.js";
import { FAILURE } from "../../stepfunctions/definition.js";
import type { Ending } from "../../stepfunctions/history.js";
import { pollSecondsOf } from "../../stepfunctions/history-bound.js";
import { assertRunsServerSide, executionArnOf, executionName } from "../../stepfunctions/input.js";
import {
  type ReleaseHistoryReader as Reader,
  ReleaseHistoryReader,
} from "../../stepfunctions/release-history.js";
import { assertReleaseFits, releaseExecutionInput } from "../../stepfunctions/release-input.js";
import type { ResultEvent, RolloutEvent } from "../events.js";
import type { Checked } from "../prepare/release-prepare.js";
import { parseReplaced } from "../progress.js";
import type { ReleaseRequest } from "../request/release-request.js";
import { nextHistory } from "./follow.js";

const DEFAULT_RELEASE_INTERVAL_MS = 10_000;

type FunctionState = "promoted" | "rolled_back" | "unchanged" | "not_started" | "failed";

/**
 * Exit 2 before anything is read: what a release cannot do in Step Functions. Several regions (no
 * state machine reaches another region's aliases), a history over the cap, hooks (no CLI runs them
 * between the execution's steps), and every single-function refusal, per function.
 */
export function assertReleaseRunsServerSide(request: ReleaseRequest): void {
  const engine = request.engine;
  if (!engine) return;
  const regions = [...new Set(request.functions.map((spec) => spec.region ?? "(default)"))];
  if (regions.length > 1) {
    throw new InputError(
      `Release "${request.name}" spans ${regions.length} regions (${regions.join(", ")}), and a Step Functions execution changes aliases in its own region only (Step Functions cannot call AWS SDK APIs in another region). Nothing was changed.`,
      {
        hint: "Run this release locally (--engine local, which ships every region's waves in order), or split it into one environment per region, each released with --engine stepfunctions and its region's state machine.",
      },
    );
  }
  // The local release waits for approval wave by wave and prunes after promotion; the release state
  // machine does neither yet (one function's machine waits for approval, see server-side/approval.ts).
  if (request.manualApproval) {
    throw new InputError(
      `Release "${request.name}": manual approval does not run in the release state machine yet. Nothing was changed.`,
      {
        hint: "Deploy this release with --engine local (each wave then waits for `lambda-rollout approve --config … --env …`), or drop --manual-approval (manualApproval:) for it.",
      },
    );
  }
  if (request.prune) {
    throw new InputError(
      `Release "${request.name}": prune: does not run after a server-side release yet. Nothing was changed.`,
      {
        hint: "Remove prune: from this environment and run `lambda-rollout prune --function F --keep N` per function after the release, or deploy it with --engine local.",
      },
    );
  }
  const machineRegion = engine.stateMachineArn.split(":")[3];
  const region = request.functions[0]?.region;
  if (region && machineRegion && machineRegion !== region) {
    throw new InputError(
      `The state machine ${engine.stateMachineArn} is in ${machineRegion}, but release "${request.name}" is in ${region}: a state machine changes aliases in its own region only. Nothing was changed.`,
      { hint: `Pass the release state machine of ${region} with --state-machine (or stateMachine:).` },
    );
  }
  // The release's history bound, counting every function (one that turns out unchanged only makes the
  // count an upper bound); before the single-function checks, whose bound is the other machine's.
  const intervalMs = request.intervalMs ?? DEFAULT_RELEASE_INTERVAL_MS;
  assertReleaseFits({
    plan: request.plan,
    pollSeconds: pollSecondsOf(intervalMs),
    waves: [
      {
        bakeMs: request.waves.reduce((sum, wave) => sum + wave.bakeMs, 0),
        members: request.functions.length,
        alarms: new Set(request.functions.flatMap((spec) => spec.alarms ?? [])).size,
        smoke: request.functions.reduce((sum, spec) => sum + (spec.smoke?.length ?? 0), 0),
      },
    ],
  });
  for (const spec of request.functions) {
    const hooks = (spec.hooks?.preTraffic?.length ?? 0) + (spec.hooks?.postTraffic?.length ?? 0);
    if (hooks > 0) {
      throw new InputError(
        `${spec.path}: hook commands cannot run in a server-side release (the execution moves every function; nothing here runs between its steps).`,
        {
          hint: "Express the check as a CloudWatch alarm or a smoke invocation (both run server-side), or deploy the release with --engine local.",
        },
      );
    }
    if (spec.metrics) {
      throw new InputError(
        `${spec.path}: metric analysis (metrics:) does not run in a server-side release yet (a one-function roll-out runs it as an alarm it owns).`,
        {
          hint: "Create a CloudWatch alarm on the new version's metric (AWS/Lambda Errors with dimensions FunctionName, Resource=FUNCTION:ALIAS, ExecutedVersion) and list it in alarms:, or deploy the release with --engine local.",
        },
      );
    }
    // expect.body, alarmReadFailure: ignore, more than 100 alarms, a bad ARN: as for one function.
    assertRunsServerSide(engine, spec, { plan: request.plan, intervalMs, customGates: 0 });
  }
}

export interface ServerSideRelease {
  outcome: ResultEvent["outcome"];
  exitCode: number;
  error?: RolloutError | undefined;
  reason?: string | undefined;
  hint?: string | undefined;
  executionArn?: string | undefined;
  /** What each function ended as; functions left out keep the local release's reading. */
  states: Map<Checked, FunctionState>;
}

/**
 * Starts the release's execution (every package already published) and follows or detaches. Never
 * throws once the execution has started: its outcome is the execution's.
 */
export async function runReleaseServerSide(
  request: ReleaseRequest,
  release: { id: string; waves: { bakeMs: number; members: Checked[] }[] },
  context: {
    stepFunctions: StepFunctionsPort;
    clock: Clock;
    signal: AbortSignal | undefined;
    emitFor: (event: RolloutEvent, spec?: { functionName: string; region: string | undefined }) => void;
  },
): Promise<ServerSideRelease> {
  const engine = request.engine;
  if (!engine) throw new TypeError("runReleaseServerSide needs request.engine");
  const { stepFunctions, clock, signal, emitFor } = context;
  const intervalMs = request.intervalMs ?? DEFAULT_RELEASE_INTERVAL_MS;
  const all = release.waves.flatMap((wave) => wave.members);
  const region = all[0]?.spec.region;
  const input = releaseExecutionInput({
    releaseId: release.id,
    plan: request.plan,
    intervalMs,
    waves: release.waves.map((wave) => ({
      bakeMs: wave.bakeMs,
      members: wave.members.map((item) => ({
        ...item.spec,
        functionName: item.spec.functionName,
        aliasName: item.spec.aliasName,
        stableVersion: item.alias.version,
        newVersion: item.newVersion as string,
        replaced: parseReplaced(item.alias.description, item.alias.version),
      })),
    })),
  });
  const name = executionName(clock.now());
  const started = await stepFunctions.startExecution(engine.stateMachineArn, name, JSON.stringify(input));
  const arn = started.executionArn || executionArnOf(engine.stateMachineArn, name);
  emitFor({ type: "info", message: `Step Functions execution started: ${arn}` });
  const states = new Map<Checked, FunctionState>();
  const statusHint = `Follow it with \`lambda-rollout status --config FILE --env ${request.name}\`; stop and undo it with \`lambda-rollout rollback --config FILE --env ${request.name}\`.`;
  if (engine.detach) {
    return {
      outcome: "started",
      exitCode: ExitCode.ok,
      reason: `Execution ${arn} runs release ${release.id} (${all.length} functions) in Step Functions.`,
      hint: statusHint,
      executionArn: arn,
      states,
    };
  }
  const unfollowed = (why: string): ServerSideRelease => ({
    outcome: "started",
    exitCode: ExitCode.conflict,
    reason: `${why}: execution ${arn} carries on in Step Functions; the release's aliases stay as it leaves them until it ends.`,
    hint: statusHint,
    executionArn: arn,
    states,
  });
  const reader = new ReleaseHistoryReader(input, region ?? "default");
  let lastId = 0;
  for (;;) {
    const page = await nextHistory(stepFunctions, arn, lastId, { clock, intervalMs, signal });
    if ("stopped" in page) return unfollowed(page.stopped);
    for (const event of page.events) {
      lastId = event.id;
      const read = reader.read(event);
      for (const item of read.events)
        emitFor(item.event, item.member && { functionName: item.member.functionName, region });
      if (read.ending) return ending(read.ending, reader);
    }
  }

  function ending(end: Ending, read: Reader): ServerSideRelease {
    if (end.kind === "succeeded") {
      for (const item of all) states.set(item, "promoted");
      return {
        outcome: "promoted",
        exitCode: ExitCode.ok,
        reason: `Release ${release.id}: every function serves its new version (execution ${arn}).`,
        executionArn: arn,
        states,
      };
    }
    const outcomes = read.restore ?? [];
    all.forEach((item, index) => {
      const outcome = outcomes[index];
      states.set(
        item,
        outcome === "restored" ? "rolled_back" : outcome === "untouched" ? "not_started" : "failed",
      );
    });
    const error = end.kind === "failed" ? failureOf(end, read) : undefined;
    if (error) {
      const outcome = error instanceof GateFailedError ? "rolled_back" : "failed";
      return { outcome, exitCode: error.exitCode, error, executionArn: arn, states };
    }
    const how = end.kind === "failed" ? `failed (${end.error}: ${end.cause})` : `ended ${end.status}`;
    // Stopped by someone (an operator's rollback or promote stops it first, then settles the aliases).
    return {
      outcome: "failed",
      exitCode: ExitCode.conflict,
      error: new ConflictError(`Execution ${arn} ${how}; whoever stopped it settles the aliases.`, {
        hint: statusHint,
      }),
      executionArn: arn,
      states,
    };
  }

  function failureOf(end: Extract<Ending, { kind: "failed" }>, read: Reader): RolloutError | undefined {
    if (end.error === FAILURE.alarm || end.error === FAILURE.alarmMissing)
      return new GateFailedError(
        `${read.alarmFailure ?? `Health gate "alarms" failed: ${end.cause}`}, in execution ${arn}; every function of the release was restored.`,
      );
    if (end.error === FAILURE.smoke)
      return new GateFailedError(
        `Health gate "smoke" failed in execution ${arn}: ${end.cause}; every function of the release was restored.`,
      );
    if (end.error === FAILURE.foreign)
      return new ConflictError(
        `Execution ${arn} stopped: ${end.cause}. The other functions were restored; nothing was written over that change.`,
        { hint: statusHint },
      );
    if (end.error === FAILURE.task)
      return new AwsError(
        `Execution ${arn} failed: ${end.cause}; every function of the release was restored.`,
      );
    if (end.error === FAILURE.restore)
      return new RollbackFailedError(`Execution ${arn} could not restore every function: ${end.cause}`, {
        hint: `Run \`lambda-rollout rollback --config FILE --env ${request.name}\`.`,
      });
    return undefined;
  }
}
