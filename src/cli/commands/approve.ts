import { approve } from "../../rollout/engine/approval.js";
import { approveRelease } from "../../rollout/manage/approve-release.js";
import { approveServerSide } from "../../rollout/server-side/approval.js";
import type { CliIo } from "../io.js";
import { resultLineCommand } from "./result-line.js";
import {
  awsLambda,
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
 * `lambda-rollout approve`: records the approval a deploy with --manual-approval waits for (server-side:
 * sends the execution's task token back, see rollout/server-side/approval.ts). Like
 * `promote`, every outcome is a result line (NDJSON with --json) and its exit code is returned.
 */
export async function approveCommand(
  flags: TargetFlags,
  io: CliIo,
  lambdaFor: LambdaFactory = awsLambda,
  ledgerStoreFor: LedgerStoreFactory = awsLedgerStore,
  stepFunctionsFor: StepFunctionsFactory = awsStepFunctions,
): Promise<number> {
  return resultLineCommand(flags, io, async () => {
    const resolved = await resolveTargets(flags, io);
    if (resolved.kind === "release") {
      const { name, members, ledger, targetFlags } = resolved.release;
      return approveRelease(
        name,
        members,
        (region) => lambdaFor(region),
        Date.now(),
        targetFlags,
        ledgerFor(ledger, members[0]?.region, io, ledgerStoreFor),
      );
    }
    const target = resolved.target;
    const ledger = ledgerFor(target.ledger, target.region, io, ledgerStoreFor);
    const lambda = lambdaFor(target.region, target.whereabouts);
    // A server-side roll-out waits for a task token in the ledger; a local one reads the alias.
    const serverSide = ledger
      ? await approveServerSide(
          { lambda, stepFunctions: stepFunctionsFor(target.region), ledger },
          target.functionName,
          target.aliasName,
          target.via,
        )
      : undefined;
    if (serverSide) return serverSide;
    return approve(lambda, target.functionName, target.aliasName, Date.now(), target.via, ledger);
  });
}
