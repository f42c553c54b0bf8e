/**
 * `deploy --engine stepfunctions`: after the usual validation, upload and publish (deploy.ts), the plan
 * is handed to a Step Functions execution of the generic definition (src/stepfunctions/definition.ts).
 * Detached, the CLI returns at once (outcome `started`). Following, it reads the execution's history
 * and reports the local engine's events, result and exit codes (its ending worded in ending.ts). The
 * roll-out itself never depends on this process: a signal, a dead runner or lost credentials stop the
 * following, not the execution.
 */

import { ExitCode, GateFailedError, InputError, RollbackFailedError } from "../../errors.js";
import { buildGates, type GateSpecs } from "../../health/gates.js";
import type { Plan } from "../../plan/plan.js";
import type {
  AlarmPort,
  AliasState,
  Clock,
  LambdaPort,
  OwnedAlarmsPort,
  StepFunctionsPort,
} from "../../ports.js";
import { HistoryReader } from "../../stepfunctions/history.js";
import {
  executionArnOf,
  executionInput,
  executionName,
  type StepFunctionsEngine,
} from "../../stepfunctions/input.js";
import { type CommandVia, suggestedCommand } from "../commands.js";
import { approvalTimeoutError } from "../engine/approval.js";
import { type EventSink, failedResult, guardSink, type ResultEvent, type RolloutEvent } from "../events.js";
import { liveDescription, type VersionRecord } from "../progress.js";
import { executionResult, resultOfEnding } from "./ending.js";
import { nextHistory } from "./follow.js";
import { createOwnedAlarms, deleteOwnedAlarms, ownedAlarmsFor, sweepOwnedAlarms } from "./owned-alarms.js";

export interface ServerSideRequest {
  engine: StepFunctionsEngine;
  /** The alias as validated: 100% on the stable version. */
  alias: AliasState;
  newVersion: string;
  plan: Plan;
  specs: GateSpecs;
  intervalMs: number;
  records: { stable?: VersionRecord | undefined; next?: VersionRecord | undefined };
  /** How the user named the target: the commands the run suggests name it the same way. */
  via?: CommandVia | undefined;
  /** Manual approval: where the execution writes its task token (approval.ts), and how long it waits. */
  approval?: { bucket: string; key: string; timeoutMs: number } | undefined;
}

export interface ServerSidePorts {
  lambda: LambdaPort;
  alarms: AlarmPort;
  stepFunctions: StepFunctionsPort;
  /** Needed when the request has a metric gate: its alarm is created here and deleted at the end. */
  ownedAlarms?: OwnedAlarmsPort | undefined;
  clock: Clock;
  emit: EventSink;
  signal?: AbortSignal | undefined;
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

/**
 * A well-formed ARN can still name a machine that does not exist, is being deleted, or lives in another
 * region than the function (the adapter says so): all bad input, found by a read before any write.
 */
export async function assertStateMachineUsable(
  stepFunctions: StepFunctionsPort | undefined,
  engine: StepFunctionsEngine,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (!stepFunctions) throw new TypeError("--engine stepfunctions needs DeployPorts.stepFunctions");
  const machine = await stepFunctions.describeStateMachine(engine.stateMachineArn, { signal });
  if (machine.status !== "ACTIVE") {
    throw new InputError(
      `The state machine ${engine.stateMachineArn} is ${machine.status}, so it cannot start a roll-out. Nothing was changed.`,
      {
        hint: "Pass the ARN of an ACTIVE state machine (the Terraform module's state_machine_arn output), or deploy with --engine local.",
      },
    );
  }
}

export async function runServerSide(
  request: ServerSideRequest,
  ports: ServerSidePorts,
): Promise<ResultEvent> {
  const { alias, newVersion, engine } = request;
  const { clock, signal, lambda, stepFunctions } = ports;
  const sink = guardSink(ports.emit);
  const emit = (event: RolloutEvent) => sink({ ...event, at: clock.now() });
  const stable = alias.version;
  const { functionName, aliasName } = alias;
  const target = { function: functionName, alias: aliasName, fromVersion: stable, toVersion: newVersion };
  const commands = suggestedCommand("status", functionName, aliasName, request.via);
  const rollbackCommand = suggestedCommand("rollback", functionName, aliasName, request.via);
  const approveCommand = suggestedCommand("approve", functionName, aliasName, request.via);
  /** No approval in time: worded as the local engine words it (the execution's cause is this text). */
  const approvalExpired = (timeoutMs: number) =>
    approvalTimeoutError(
      timeoutMs,
      `${request.plan.steps.at(-1)?.weight ?? 0}% on v${newVersion}`,
      approveCommand,
    );
  const result = (
    outcome: ResultEvent["outcome"],
    exitCode: number,
    reason: string,
    hint: string | null,
    executionArn?: string,
  ) => executionResult(target, outcome, exitCode, reason, hint, executionArn);

  // Hook commands run here, so only a followed execution has them (input.ts refuses them detached).
  const hooks = buildGates(
    { hooks: request.specs.hooks },
    { lambda, alarms: ports.alarms, clock, cwd: ports.cwd, env: ports.env },
  );
  const runHooks = async (phase: "pre-traffic" | "post-traffic", weight: number) => {
    for (const gate of phase === "pre-traffic" ? hooks.preTraffic : hooks.postTraffic) {
      const verdict = await gate.check({
        functionName,
        aliasName,
        stableVersion: stable,
        newVersion,
        weight,
        phase,
        stepStartedAt: clock.now(),
        now: clock.now(),
        signal,
      });
      emit({ type: "gate", phase, weight, verdict });
      if (verdict.status === "fail") {
        return new GateFailedError(
          `Health gate "${verdict.gate}" failed at ${weight}% (${phase}): ${verdict.detail}`,
        );
      }
    }
    return undefined;
  };

  const preTraffic = await runHooks("pre-traffic", 0);
  if (preTraffic) return failedResult(target, preTraffic);
  if (signal?.aborted) {
    return result(
      "rolled_back",
      ExitCode.rolledBack,
      `Interrupted (${String(signal.reason)}) before the execution started; no traffic moved.`,
      null,
    );
  }

  const name = executionName(clock.now());
  const executionArn = executionArnOf(engine.stateMachineArn, name);
  // The metric gate as an alarm of this roll-out's own (owned-alarms.ts); earlier ones that ended go first.
  // Not before the first Lambda write: its ExecutedVersion dimension is the number PublishVersion gave.
  // What it cannot express was refused with the other input (input.ts), before any write.
  const owned = ownedAlarmsFor(
    request.specs.metrics,
    { functionName, aliasName, stableVersion: stable, newVersion },
    executionArn,
  );
  const { ownedAlarms } = ports;
  if (owned.length > 0 && !ownedAlarms)
    throw new TypeError("metrics: server-side needs ServerSidePorts.ownedAlarms");
  if (ownedAlarms) {
    const warn = (message: string) => emit({ type: "warning", message });
    await sweepOwnedAlarms(
      ownedAlarms,
      stepFunctions,
      { functionName, aliasName },
      { now: clock.now(), warn, signal },
    );
  }
  const ownedNames = ownedAlarms ? await createOwnedAlarms(ownedAlarms, owned, { signal }) : [];
  for (const alarm of owned)
    emit({ type: "info", message: `Metric gate as alarm ${alarm.name} (deleted when the roll-out ends)` });
  const dropOwned = async () => {
    if (ownedAlarms)
      await deleteOwnedAlarms(ownedAlarms, ownedNames, (message) => emit({ type: "warning", message }));
  };
  const input = executionInput({
    functionName,
    aliasName,
    stableVersion: stable,
    newVersion,
    plan: request.plan,
    intervalMs: request.intervalMs,
    specs: request.specs,
    records: request.records,
    executionArn,
    ownedAlarms: ownedNames,
    approval: request.approval && {
      ...request.approval,
      expiredReason: approvalExpired(request.approval.timeoutMs).message,
    },
  });
  // Not cancelled by the signal: once asked for, the start must be known, or the execution is orphaned.
  const started = await stepFunctions
    .startExecution(engine.stateMachineArn, name, JSON.stringify(input))
    .catch(async (error: unknown) => {
      // No execution will watch or end them: the roll-out's alarms go with the failed start.
      await dropOwned();
      throw error;
    });
  const arn = started.executionArn || executionArn;
  emit({ type: "info", message: `Step Functions execution started: ${arn}` });
  if (engine.detach) {
    return result(
      "started",
      ExitCode.ok,
      `Execution ${arn} runs the roll-out of v${newVersion} (from v${stable}) in Step Functions.`,
      `Follow it with \`${commands}\`; stop and undo it with \`${rollbackCommand}\`.`,
      arn,
    );
  }

  const unfollowed = (why: string) =>
    result(
      "started",
      ExitCode.conflict,
      `${why}: execution ${arn} carries on in Step Functions; the alias stays mid-roll-out until it ends.`,
      `Check it with \`${commands}\`; stop and undo it with \`${rollbackCommand}\`.`,
      arn,
    );
  const reader = new HistoryReader(input, { approve: approveCommand, rollback: rollbackCommand });
  let lastId = 0;
  let postTrafficDone = false;
  for (;;) {
    const page = await nextHistory(stepFunctions, arn, lastId, {
      clock,
      intervalMs: request.intervalMs,
      signal,
    });
    if ("stopped" in page) return unfollowed(page.stopped);
    for (const event of page.events) {
      lastId = event.id;
      const read = reader.read(event);
      for (const rolloutEvent of read.events) emit(rolloutEvent);
      if (read.ending) {
        const { approval } = request;
        const ended = await resultOfEnding(read.ending, {
          arn,
          target,
          lambda,
          commands,
          rollbackCommand,
          alarmFailure: reader.alarmFailure,
          approvalExpired: approval && (() => approvalExpired(approval.timeoutMs)),
        });
        await dropOwned();
        return ended;
      }
    }
    if (reader.promoted && !postTrafficDone && hooks.postTraffic.length > 0) {
      postTrafficDone = true;
      const failure = await runHooks("post-traffic", 100);
      if (failure) {
        const undone = await undoAfterHook(failure);
        await dropOwned();
        return undone;
      }
    }
  }

  /** A post-traffic hook failed: stop the execution (its final bake) and put 100% back on stable. */
  async function undoAfterHook(failure: GateFailedError): Promise<ResultEvent> {
    try {
      await stepFunctions.stopExecution(
        arn,
        "lambda-rollout.PostTrafficHookFailed",
        failure.message.slice(0, 32_000),
      );
      const now = await lambda.getAlias(functionName, aliasName);
      emit({ type: "rollback", reason: failure.message, routing: { version: stable } });
      await lambda.updateAlias(functionName, aliasName, { version: stable }, now.revisionId, {
        description: liveDescription(request.records.stable, stable, clock.now()),
      });
    } catch (error) {
      return failedResult(
        target,
        new RollbackFailedError(
          `${failure.message}; restoring v${stable} then failed: ${error instanceof Error ? error.message : String(error)}`,
          {
            hint: `Run \`${rollbackCommand}\`.`,
          },
        ),
      );
    }
    return { ...failedResult(target, failure), executionArn: arn };
  }
}
