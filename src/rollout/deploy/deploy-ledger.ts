/**
 * A one-function roll-out in the ledger: its record begun with one target (the alias as validation
 * read it, the version and code it ships) and the alias's lock, and its end written with the state the
 * roll-out left the alias in (a detached execution keeps the lock for as long as it may run).
 */
import type { Artifact } from "../../artifact/inspect.js";
import { describePlan } from "../../plan/plan.js";
import type { AliasState, Clock, FunctionState } from "../../ports.js";
import { DEFAULT_RESTORE_TIMEOUT_MS } from "../engine/engine.js";
import type { ResultEvent, RolloutEvent } from "../events.js";
import { beginSession, executionReader, recordTarget } from "../ledger/begin.js";
import type { LedgerAccess } from "../ledger/location.js";
import { gateSummary } from "../ledger/record.js";
import { endSession, type LedgerSession } from "../ledger/session.js";
import { isSplit } from "../prepare/live.js";
import { worstCaseOf } from "../prepare/worst-case.js";
import { newReleaseId } from "../progress.js";
import type { DeployRequest } from "../request/deploy-request.js";
import type { DeployPorts } from "./deploy-ports.js";

export interface DeployLedgerContext {
  clock: Clock;
  signal: AbortSignal | undefined;
  emit: (event: RolloutEvent) => void;
}

/**
 * What begins the roll-out's record and lock, once validation read the alias (`read`). What it ships is
 * asked when it begins: the version to take is known by then, the package's digest always.
 */
export function deployBeginner(
  ledger: LedgerAccess,
  request: DeployRequest,
  ports: DeployPorts,
  read: AliasState,
  shipped: { target: () => FunctionState | undefined; artifact: Artifact | undefined },
  { clock, signal, emit }: DeployLedgerContext,
): () => Promise<LedgerSession> {
  const { lambda } = ports;
  const { functionName, aliasName, plan } = request;
  return () => {
    const target = shipped.target();
    return beginSession(
      ledger,
      {
        id: ports.rolloutId ?? newReleaseId(clock.now()),
        kind: "rollout",
        name: functionName,
        engine: request.engine ? "stepfunctions" : "local",
        plan: describePlan(plan),
        gates: gateSummary(request),
        targets: [
          recordTarget(read, {
            newVersion: target?.version,
            codeSha256: target?.codeSha256 ?? shipped.artifact?.digest.base64,
          }),
        ],
      },
      {
        clock,
        signal,
        isSplit: async () => isSplit(await lambda.getAlias(functionName, aliasName, { signal })),
        warn: (message) => emit({ type: "warning", message }),
        describeExecution: ports.stepFunctions && executionReader(ports.stepFunctions, signal),
      },
    );
  };
}

/** Ends the session with the run's result (endSession): the alias's state as the roll-out left it. */
export function endDeploySession(
  session: LedgerSession,
  result: ResultEvent,
  request: DeployRequest,
  emit: (event: RolloutEvent) => void,
): Promise<ResultEvent> {
  return endSession(session, result, {
    states: new Map([[session.aliasArn, stateOf(result)]]),
    timeoutMs: request.restoreTimeoutMs ?? DEFAULT_RESTORE_TIMEOUT_MS,
    startedLeaseMs: worstCaseOf(request, request.plan).totalMs,
    warn: (message) => emit({ type: "warning", message }),
  });
}

/** What the ledger records of the alias's state at the end of a one-function roll-out. */
function stateOf(result: ResultEvent) {
  switch (result.outcome) {
    case "promoted":
      return "promoted" as const;
    case "rolled_back":
      return "rolled_back" as const;
    case "noop":
      return "unchanged" as const;
    default:
      return "failed" as const;
  }
}
