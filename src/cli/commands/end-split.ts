import { resolveSplit } from "../../rollout/manage/manage.js";
import { endRelease } from "../../rollout/manage/release-manage.js";
import { stopExecutionFirst, stopReleaseExecutions } from "../../rollout/manage/server-side-manage.js";
import { reportDurableExecutionsLeft } from "../../rollout/prepare/durable.js";
import type { CliIo } from "../io.js";
import { sweepEndedAlarms } from "./owned-alarms.js";
import { resultLineCommand } from "./result-line.js";
import {
  awsLedgerStore,
  awsStepFunctions,
  type LambdaFactory,
  type LedgerStoreFactory,
  ledgerFor,
  resolveTargets,
  type StepFunctionsFactory,
  type TargetFlags,
} from "./target.js";

/**
 * `rollback` and `promote`: end an interrupted roll-out on one version. Like deploy, every outcome is a
 * result line (NDJSON with --json), bad input included, and its exit code is returned.
 */
export async function endSplit(
  resolution: "rollback" | "promote",
  flags: TargetFlags,
  io: CliIo,
  lambdaFor: LambdaFactory,
  stepFunctionsFor: StepFunctionsFactory = awsStepFunctions,
  ledgerStoreFor: LedgerStoreFactory = awsLedgerStore,
): Promise<number> {
  return resultLineCommand(flags, io, async (emit) => {
    const resolved = await resolveTargets(flags, io);
    if (resolved.kind === "release") {
      const { name, members, targetFlags, ledger } = resolved.release;
      const access = ledgerFor(ledger, members[0]?.region, io, ledgerStoreFor);
      // A server-side release's execution is stopped first: it writes nothing after this settles it.
      await stopReleaseExecutions(
        members.map((member) => ({
          ...member,
          lambda: lambdaFor(member.region),
          stepFunctions: stepFunctionsFor(member.region),
        })),
        resolution,
      );
      return endRelease(name, members, lambdaFor, resolution, Date.now, targetFlags, access);
    }
    const { functionName, aliasName, region, via, whereabouts } = resolved.target;
    const lambda = lambdaFor(region, whereabouts);
    const ledger = ledgerFor(resolved.target.ledger, region, io, ledgerStoreFor);
    // A Step Functions execution still shifting this alias is stopped before anything else.
    const result =
      (await stopExecutionFirst(
        lambda,
        stepFunctionsFor(region),
        functionName,
        aliasName,
        resolution,
        Date.now,
        ledger,
      )) ?? (await resolveSplit(lambda, functionName, aliasName, resolution, Date.now(), via, ledger));
    // A stopped execution deletes nothing itself: its metric gate's alarm goes here.
    if (result.executionArn)
      await sweepEndedAlarms(io, { functionName, aliasName, region }, { stepFunctionsFor });
    // Durable executions stay on the version rolled back from: the result says how many still run.
    return resolution === "rollback"
      ? await reportDurableExecutionsLeft(lambda, result, { region, emit, signal: io.signal })
      : result;
  });
}
