import { ExitCode } from "../../errors.js";
import type { AliasState, LambdaPort } from "../../ports.js";
import { type CommandVia, suggestedCommand } from "../commands.js";
import { describeRouting } from "../engine/alias-writer.js";
import { failedResult, type ResultEvent } from "../events.js";
import { type AliasIntent, intentOf, recordAction } from "../ledger/intent.js";
import type { LedgerAccess } from "../ledger/location.js";
import { previousVersionOf } from "../prepare/publish.js";
import { liveDescription } from "../progress.js";

export { type AliasStatus, status } from "./status.js";

/** How a split alias is settled. */
type SplitResolution = "rollback" | "promote";

/**
 * Resolves a split alias: `rollback` puts 100% on the primary (stable) version, `promote` on the
 * additional (new) one. Routing is removed entirely. An alias that is not split is left alone (noop).
 */
export async function resolveSplit(
  lambda: LambdaPort,
  functionName: string,
  aliasName: string,
  resolution: SplitResolution,
  now: number = Date.now(),
  /** How the user named the target: the command the result suggests names it the same way. */
  via: CommandVia = {},
  ledger?: LedgerAccess,
): Promise<ResultEvent> {
  const base = { type: "result" as const, function: functionName, alias: aliasName };
  let alias: AliasState;
  let intent: AliasIntent | undefined;
  try {
    alias = await lambda.getAlias(functionName, aliasName);
    intent = ledger ? await intentOf(ledger, alias, now) : undefined;
  } catch (error) {
    return failedResult(base, error);
  }
  if (!alias.additional) {
    const settled = await settleWhole(lambda, alias, resolution, intent, now);
    if (settled) return settled;
    return {
      ...base,
      outcome: "noop",
      fromVersion: alias.version,
      toVersion: alias.version,
      reason: `${functionName}:${aliasName} is not mid-roll-out (${describeRouting(alias)}); nothing to ${resolution === "rollback" ? "roll back" : "promote"}.`,
      hint:
        resolution === "rollback"
          ? await revertHint(lambda, functionName, aliasName, alias.version, via, intent)
          : null,
      exitCode: ExitCode.ok,
    };
  }
  const stable = alias.version;
  const candidate = alias.additional.version;
  const target = resolution === "rollback" ? stable : candidate;
  try {
    // The description says what is live now, so no step or approval is read from it afterwards.
    await lambda.updateAlias(functionName, aliasName, { version: target }, alias.revisionId, {
      description: liveDescription(undefined, target, now, resolution === "promote" ? stable : undefined),
    });
  } catch (error) {
    return failedResult({ ...base, fromVersion: stable, toVersion: candidate }, error);
  }
  if (intent) {
    const outcome = resolution === "rollback" ? "rolled_back" : "promoted";
    await recordAction(intent, {
      name: resolution,
      detail: `100% on v${target} (was ${describeRouting(alias)})`,
      now,
      outcome: {
        outcome,
        exitCode: outcome === "rolled_back" ? 1 : 0,
        reason: `${outcome === "rolled_back" ? "Rolled back" : "Promoted"} by an operator.`,
        hint: null,
      },
    }).catch(() => {});
  }
  return {
    ...base,
    outcome: resolution === "rollback" ? "rolled_back" : "promoted",
    fromVersion: stable,
    toVersion: candidate,
    reason:
      resolution === "rollback"
        ? `Rolled back: 100% on v${stable}, routing to v${candidate} removed.`
        : `Promoted: 100% on v${candidate}, routing removed.`,
    hint: null,
    exitCode: ExitCode.ok,
  };
}

/** After a finished roll-out, says how to return to the version it replaced (a gated deploy of it). */
async function revertHint(
  lambda: LambdaPort,
  functionName: string,
  aliasName: string,
  version: string,
  via: CommandVia,
  intent: AliasIntent | undefined,
): Promise<string | null> {
  if (version === "$LATEST") return null;
  // The ledger knows what the live version replaced, whichever way it was deployed (--version too).
  const promoted = intent?.lastPromotion;
  const current =
    promoted?.to === version
      ? undefined
      : await lambda.getFunction(functionName, version).catch(() => undefined);
  const previous = promoted?.to === version ? promoted.from : previousVersionOf(current?.description);
  if (previous === undefined || previous === "$LATEST") return null;
  return `v${version} replaced v${previous}. To go back to it, with the same gates: ${suggestedCommand("deploy", functionName, aliasName, via)} --version ${previous}`;
}

/**
 * A roll-out the ledger says is still open on an alias that is not split: at 100% on its new version
 * (post-traffic hooks, final bake) `rollback` returns it to its stable version, and a running deploy
 * ends "rolled back by an operator" at its next poll. A holder whose lease ran out is closed with what
 * the routing shows. Undefined: nothing for the ledger to settle here.
 */
async function settleWhole(
  lambda: LambdaPort,
  alias: AliasState,
  resolution: SplitResolution,
  intent: AliasIntent | undefined,
  now: number,
): Promise<ResultEvent | undefined> {
  const target = intent?.target;
  if (!intent?.open || !target) return undefined;
  const base = { type: "result" as const, function: alias.functionName, alias: alias.aliasName };
  const { stableVersion, newVersion } = target;
  if (resolution === "rollback" && newVersion === alias.version && stableVersion !== alias.version) {
    try {
      await lambda.updateAlias(
        alias.functionName,
        alias.aliasName,
        { version: stableVersion },
        alias.revisionId,
        {
          description: liveDescription(undefined, stableVersion, now),
        },
      );
    } catch (error) {
      return failedResult({ ...base, fromVersion: stableVersion, toVersion: newVersion }, error);
    }
    const reason = `Rolled back: roll-out ${intent.open.id} had v${newVersion} at 100% (before its final bake ended); 100% on v${stableVersion} again.`;
    await recordAction(intent, {
      name: "rollback",
      detail: `100% on v${stableVersion} (was 100% v${newVersion})`,
      now,
      outcome: { outcome: "rolled_back", exitCode: 1, reason: "Rolled back by an operator.", hint: null },
    }).catch(() => {});
    return {
      ...base,
      outcome: "rolled_back",
      fromVersion: stableVersion,
      toVersion: newVersion,
      reason,
      hint: null,
      exitCode: ExitCode.ok,
    };
  }
  if (!intent.expired) return undefined;
  // Its runner is gone and the alias is whole: the record gets what the routing shows, the lock is freed.
  const outcome =
    alias.version === newVersion ? "promoted" : alias.version === stableVersion ? "rolled_back" : "failed";
  await recordAction(intent, {
    name: resolution,
    detail: `closed the roll-out its runner left (alias ${describeRouting(alias)})`,
    now,
    outcome: {
      outcome,
      exitCode: outcome === "promoted" ? 0 : outcome === "rolled_back" ? 1 : 3,
      reason: `Its runner stopped; closed by an operator's ${resolution} with the alias on ${describeRouting(alias)}.`,
      hint: null,
    },
  }).catch(() => {});
  return undefined;
}
