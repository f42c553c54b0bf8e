import { InputError } from "../../errors.js";
import { unlock } from "../../rollout/ledger/unlock.js";
import type { CliIo } from "../io.js";
import { resultLineCommand } from "./result-line.js";
import {
  awsLambda,
  awsLedgerStore,
  type LambdaFactory,
  type LedgerStoreFactory,
  ledgerFor,
  resolveTarget,
  type TargetFlags,
} from "./target.js";

/** `lambda-rollout unlock`: frees an alias's ledger lock by hand, saying what held it. */
export async function unlockCommand(
  flags: TargetFlags,
  io: CliIo,
  lambdaFor: LambdaFactory = awsLambda,
  ledgerStoreFor: LedgerStoreFactory = awsLedgerStore,
): Promise<number> {
  return resultLineCommand(flags, io, async () => {
    const target = await resolveTarget(flags, io);
    const ledger = ledgerFor(target.ledger, target.region, io, ledgerStoreFor);
    if (!ledger)
      throw new InputError("No ledger to unlock: locks live in the roll-out ledger.", {
        hint: "Pass --config/--env (the environment's `ledger:`, or its artifact bucket), or --ledger-bucket BUCKET.",
      });
    return unlock(lambdaFor(target.region), ledger, target.functionName, target.aliasName);
  });
}
