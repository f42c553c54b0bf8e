/**
 * `lambda-rollout unlock`: frees an alias's lock by hand, after saying what holds it. For a runner that
 * died while its lease still runs, or any lock an operator knows to be stale. The holder's record gets
 * the operator's action and, when it had none, the outcome `abandoned`; routing is left as it is.
 */
import { ExitCode } from "../../errors.js";
import type { LambdaPort } from "../../ports.js";
import { describeRouting } from "../engine/alias-writer.js";
import type { ResultEvent } from "../events.js";
import { intentOf } from "./intent.js";
import type { LedgerAccess } from "./location.js";
import { recordOperatorAction } from "./read.js";
import { describeActor } from "./record.js";

export async function unlock(
  lambda: LambdaPort,
  ledger: LedgerAccess,
  functionName: string,
  aliasName: string,
  now: number = Date.now(),
): Promise<ResultEvent> {
  const alias = await lambda.getAlias(functionName, aliasName);
  const intent = await intentOf(ledger, alias, now);
  const holder = intent.head?.head.holder;
  const base = {
    type: "result" as const,
    function: functionName,
    alias: aliasName,
    fromVersion: alias.version,
    toVersion: alias.additional?.version ?? alias.version,
    hint: null,
    exitCode: ExitCode.ok,
  };
  if (!holder) {
    return {
      ...base,
      outcome: "noop",
      reason: `${functionName}:${aliasName} is not locked; nothing to unlock.`,
    };
  }
  const found = `roll-out ${holder.id} by ${describeActor(holder.actor)} since ${holder.since}, lease until ${holder.leaseUntil}${intent.expired ? " (ran out)" : ""}; the alias serves ${describeRouting(alias)}`;
  // Only this alias's lock is freed; a one-function roll-out left without an outcome is abandoned.
  const alone = intent.open !== undefined && intent.open.kind !== "release";
  await recordOperatorAction(
    ledger,
    holder,
    {
      name: "unlock",
      actor: ledger.actor,
      detail: `freed the lock of ${functionName}:${aliasName} (${found})`,
      now,
      outcome: alone
        ? {
            outcome: "abandoned",
            exitCode: 0,
            reason: `Unlocked by ${describeActor(ledger.actor)} with the alias on ${describeRouting(alias)}.`,
            hint: null,
          }
        : undefined,
    },
    intent.head ? [intent.head] : [],
  );
  const split = alias.additional
    ? ` The alias is still split: end it with \`lambda-rollout rollback --function ${functionName} --alias ${aliasName}\` or \`promote\`.`
    : "";
  return {
    ...base,
    outcome: "unlocked",
    reason: `Unlocked ${functionName}:${aliasName}: it was held by ${found}.${split}`,
  };
}
