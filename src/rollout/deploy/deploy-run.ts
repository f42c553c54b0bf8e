/**
 * A one-function deploy once its new version is ready: the plan run server-side (a Step Functions
 * execution, server-side/) or by the local engine with the request's gates (engine/engine.ts), then
 * what the ending leaves to do. After a promotion: the replaced version scaled down (capacity
 * providers) and old versions pruned, as configured; ended off the new version: the durable executions
 * still running on it, reported.
 */
import { buildGates, inconclusivePolicy } from "../../health/gates.js";
import type { AliasState, Clock, FunctionState } from "../../ports.js";
import type { CommandVia } from "../commands.js";
import { DEFAULT_APPROVAL_TIMEOUT_MS } from "../engine/approval.js";
import { runRollout } from "../engine/engine.js";
import type { EventSink, ResultEvent, RolloutEvent } from "../events.js";
import type { LedgerSession } from "../ledger/session.js";
import { reportDurableExecutionsLeft } from "../prepare/durable.js";
import { recordOf } from "../prepare/live.js";
import { type ManagedPlan, scaleDownReplaced } from "../prepare/managed.js";
import type { VersionRecord } from "../progress.js";
import { DEFAULT_INTERVAL_MS, type DeployRequest } from "../request/deploy-request.js";
import { approvalLocation } from "../server-side/approval.js";
import { runServerSide } from "../server-side/server-side.js";
import type { DeployPorts } from "./deploy-ports.js";
import { pruneAfterPromotion } from "./prune-after.js";

/** Where the deploy stands when the plan starts. */
export interface ReadyToRun {
  /** The alias as validated (after a $LATEST baseline, on it): 100% on the stable version. */
  alias: AliasState;
  newVersion: string;
  /** The new version as published (or taken), when this run has it. */
  next: FunctionState | undefined;
  stableRecord: VersionRecord | undefined;
  via: CommandVia;
  firingAtStart: string[];
  /** Set when the function runs on a capacity provider. */
  managed: ManagedPlan | undefined;
  session: LedgerSession | undefined;
  clock: Clock;
  /** Every event of the run (into the ledger's record too), and one stamped with the clock. */
  sink: EventSink;
  emit: (event: RolloutEvent) => void;
}

/** Runs the plan and settles what its ending leaves; the result is the deploy's (before the ledger's end). */
export async function runPlan(
  request: DeployRequest,
  ports: DeployPorts,
  ready: ReadyToRun,
): Promise<ResultEvent> {
  const { lambda, signal } = ports;
  const { alias, newVersion, next, stableRecord, via, session, clock, sink } = ready;
  const { plan } = request;
  const records = { stable: stableRecord, next: next ? recordOf(next) : undefined };
  if (request.engine) {
    if (!ports.stepFunctions) throw new TypeError("--engine stepfunctions needs DeployPorts.stepFunctions");
    const intervalMs = request.intervalMs ?? DEFAULT_INTERVAL_MS;
    const { engine } = request;
    const approval =
      request.manualApproval && session && ports.ledger
        ? {
            ...approvalLocation(ports.ledger.location, session.path),
            timeoutMs: request.manualApproval.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
          }
        : undefined;
    const ended = await runServerSide(
      { engine, alias, newVersion, plan, specs: request, intervalMs, records, via, approval },
      { ...ports, stepFunctions: ports.stepFunctions, clock, emit: sink },
    );
    return await settle(ended, request, ports, ready);
  }
  const built = buildGates(
    request,
    {
      lambda,
      alarms: ports.alarms,
      metrics: ports.metrics,
      clock,
      cwd: ports.cwd,
      env: ports.env,
      firingAtStart: ready.firingAtStart,
    },
    ports.gates,
  );
  const result = await runRollout(
    {
      alias,
      newVersion,
      plan,
      ...built,
      intervalMs: request.intervalMs ?? DEFAULT_INTERVAL_MS,
      inconclusive: inconclusivePolicy(request),
      restoreTimeoutMs: request.restoreTimeoutMs,
      approval: request.manualApproval && {
        timeoutMs: request.manualApproval.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
      },
      via,
      records,
    },
    { lambda, clock, emit: sink, signal },
  );
  return await settle(result, request, ports, ready);
}

/** Ended off the new version: what durable executions still run on it (best effort, durable.ts). */
async function settle(
  result: ResultEvent,
  request: DeployRequest,
  ports: DeployPorts,
  ready: ReadyToRun,
): Promise<ResultEvent> {
  const { lambda, signal } = ports;
  const { emit } = ready;
  if (result.outcome !== "promoted")
    return await reportDurableExecutionsLeft(lambda, result, {
      durable: ready.next?.durable ?? false,
      region: request.region,
      emit,
      signal,
    });
  // After the promotion (and the final bake): the replaced version scaled down and old versions
  // pruned, as configured. Housekeeping: a failure only warns.
  if (ready.managed) await scaleDownReplaced(ready.managed, result.fromVersion, { lambda, emit, signal });
  if (request.prune)
    await pruneAfterPromotion(lambda, request.functionName, request.prune.keep, emit, signal, ports.ledger);
  return result;
}
