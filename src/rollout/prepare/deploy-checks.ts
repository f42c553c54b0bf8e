/**
 * A one-function deploy's checks before anything is read back into a decision: the refusals that need
 * no call (manual approval without a step, what the Step Functions engine cannot run, firing alarms
 * with nothing else judging), the gateless warning, then the independent reads in parallel (the zip,
 * the alias, `$LATEST`, the alarms, provisioned concurrency, the state machine). A release runs the
 * same reads per function in release-prepare.ts.
 */
import { readArtifact } from "../../artifact/inspect.js";
import { assertFiringAlarmsAllowed } from "../../health/firing-alarms.js";
import type { HealthGate } from "../../health/gate.js";
import { gatelessWarning } from "../../health/gateless.js";
import type { AlarmPort, LambdaPort, StepFunctionsPort } from "../../ports.js";
import { assertRunsServerSide } from "../../stepfunctions/input.js";
import { assertApprovable, DEFAULT_APPROVAL_TIMEOUT_MS } from "../engine/approval.js";
import type { RolloutEvent } from "../events.js";
import type { LedgerAccess } from "../ledger/location.js";
import { DEFAULT_INTERVAL_MS, type DeployRequest } from "../request/deploy-request.js";
import { assertStateMachineUsable } from "../server-side/server-side.js";
import { firstFailure } from "../settle.js";
import { assertAlarmsExist } from "./alarms.js";
import { assertNoProvisionedConcurrency } from "./provisioned.js";

export interface CheckPorts {
  lambda: LambdaPort;
  alarms: AlarmPort;
  stepFunctions?: StepFunctionsPort | undefined;
  gates?: HealthGate[] | undefined;
  signal?: AbortSignal | undefined;
  /** The ledger, when configured: server-side manual approval keeps its task token there. */
  ledger?: LedgerAccess | undefined;
}

/** Throws the first problem (exit 2, or the AWS error); returns what the reads found. */
export async function checkDeploy(
  request: DeployRequest,
  ports: CheckPorts,
  emit: (event: RolloutEvent) => void,
) {
  const { lambda, signal } = ports;
  const { functionName, aliasName, plan } = request;
  if (request.manualApproval) assertApprovable(plan);
  if (request.engine)
    assertRunsServerSide(request.engine, request, {
      plan,
      intervalMs: request.intervalMs ?? DEFAULT_INTERVAL_MS,
      customGates: ports.gates?.length ?? 0,
      approval: request.manualApproval && {
        timeoutMs: request.manualApproval.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
        ledger: ports.ledger !== undefined,
      },
    });
  const alarms = request.alarms ?? [];
  assertFiringAlarmsAllowed(request, ports.gates);
  const gateless = gatelessWarning(
    `The roll-out of ${functionName}:${aliasName}`,
    plan,
    request,
    ports.gates,
    request.requireGates,
  );
  if (gateless) emit({ type: "warning", message: gateless });
  const call = { signal };
  // Independent checks run together; the first failure in this order is the one reported.
  const [artifact, found, latest, alarmStates] = await firstFailure([
    "zip" in request.source ? readArtifact(request.source.zip) : Promise.resolve(undefined),
    lambda.getAlias(functionName, aliasName, call),
    lambda.getFunction(functionName, undefined, call),
    alarms.length > 0 ? assertAlarmsExist(ports.alarms, alarms, signal) : Promise.resolve([]),
    assertNoProvisionedConcurrency(lambda, { functionName, aliasName, plan }, emit, signal),
    request.engine
      ? assertStateMachineUsable(ports.stepFunctions, request.engine, signal)
      : Promise.resolve(),
  ] as const);
  return { artifact, found, latest, alarmStates };
}
