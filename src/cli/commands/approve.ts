import { approve } from "../../rollout/engine/approval.js";
import { approveRelease } from "../../rollout/manage/approve-release.js";
import type { CliIo } from "../io.js";
import { resultLineCommand } from "./result-line.js";
import {
  awsLambda,
  awsLedgerStore,
  type LambdaFactory,
  type LedgerStoreFactory,
  ledgerFor,
  resolveTargets,
  type TargetFlags,
} from "./target.js";

/**
 * `lambda-rollout approve`: records the approval a deploy with --manual-approval waits for. Like
 * `promote`, every outcome is a result line (NDJSON with --json) and its exit code is returned.
 */
export async function approveCommand(
  flags: TargetFlags,
  io: CliIo,
  lambdaFor: LambdaFactory = awsLambda,
  ledgerStoreFor: LedgerStoreFactory = awsLedgerStore,
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
    return approve(
      lambdaFor(target.region, target.whereabouts),
      target.functionName,
      target.aliasName,
      Date.now(),
      target.via,
      ledger,
    );
  });
}
