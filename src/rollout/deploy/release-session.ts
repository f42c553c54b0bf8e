/**
 * A release's ledger session: the lock of every alias it moves and its record, taken before the first
 * write (ledger/begin.ts). A lock is taken over only when its alias is whole (`isSplit` reads it).
 */
import { describePlan } from "../../plan/plan.js";
import type { Clock } from "../../ports.js";
import { type BeginContext, beginSession, recordTarget } from "../ledger/begin.js";
import type { LedgerAccess } from "../ledger/location.js";
import { gateSummary, type RecordTarget } from "../ledger/record.js";
import type { LedgerSession } from "../ledger/session.js";
import type { Checked } from "../prepare/release-prepare.js";
import type { ReleaseRequest } from "../request/release-request.js";

export interface ReleaseSessionOptions {
  clock: Clock;
  signal: AbortSignal | undefined;
  /** Reads a detached execution's status (server-side releases), to free a lock whose run ended. */
  describeExecution: BeginContext["describeExecution"];
  warn: (message: string) => void;
}

export function beginReleaseSession(
  ledger: LedgerAccess,
  request: ReleaseRequest,
  releaseId: string,
  moving: Checked[],
  ordinalOf: Map<number, number>,
  options: ReleaseSessionOptions,
): Promise<LedgerSession> {
  const { signal } = options;
  return beginSession(
    ledger,
    {
      id: releaseId,
      kind: "release",
      name: request.name,
      engine: request.engine ? "stepfunctions" : "local",
      plan: describePlan(request.plan),
      gates: [...new Set(moving.flatMap((item) => gateSummary(item.spec)))],
      targets: moving.map((item) => recordTarget(item.alias, { wave: ordinalOf.get(item.wave) })),
    },
    {
      clock: options.clock,
      signal,
      isSplit: async (target: RecordTarget) => {
        const item = moving.find((m) => m.alias.aliasArn === target.aliasArn);
        const alias = await item?.ports.lambda.getAlias(item.spec.functionName, item.spec.aliasName, {
          signal,
        });
        return alias?.additional !== undefined;
      },
      describeExecution: options.describeExecution,
      warn: options.warn,
    },
  );
}
