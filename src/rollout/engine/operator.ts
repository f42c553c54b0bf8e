/**
 * A running roll-out obeys `promote` and `rollback` from anywhere. The deploy reads the alias on every
 * bake poll, and when a write is refused by its RevisionId (someone changed the alias since this run
 * last saw it); when it finds the alias whole on one of its own two versions, set by someone else, that is an operator's decision, not a conflict: the hotfix fast-forward (100% on the
 * new version) or the emergency stop (100% on the stable one). The run then ends as they chose and
 * writes nothing more. Any other change (another version, another split) stays a conflict (exit 3).
 */
import { ExitCode } from "../../errors.js";
import type { AliasRouting } from "../../ports.js";
import { describeRouting } from "./alias-writer.js";

export type OperatorResolution = "promoted" | "rolled_back";

/** What someone else's routing means for the roll-out from `stable` to `newVersion`, if anything. */
export function operatorResolution(
  found: AliasRouting,
  stable: string,
  newVersion: string,
): OperatorResolution | undefined {
  if (found.additional !== undefined) return undefined;
  if (found.version === newVersion) return "promoted";
  if (found.version === stable) return "rolled_back";
  return undefined;
}

export interface OperatorContext {
  functionName: string;
  aliasName: string;
  stable: string;
  newVersion: string;
  /** The routing this run had set when it found the change. */
  had: AliasRouting;
  /** What this run will now not do (post-traffic hooks, the final bake), for the reason. */
  skipped: string[];
  /** Why this run was rolling back when it found the change, if it was. */
  rollingBackAfter?: string | undefined;
}

/** promote: the run ends well (0); rollback: it ends rolled back (1), as a gate failure would. */
export function operatorExitCode(resolution: OperatorResolution): number {
  return resolution === "promoted" ? ExitCode.ok : ExitCode.rolledBack;
}

/** The result's outcome, exit code and reason for an operator's decision. */
export function operatorOutcome(
  resolution: OperatorResolution,
  context: OperatorContext,
): { outcome: OperatorResolution; exitCode: number; reason: string } {
  const { functionName, aliasName, had } = context;
  const version = resolution === "promoted" ? context.newVersion : context.stable;
  const while_ = context.rollingBackAfter
    ? `while this run was rolling back (${context.rollingBackAfter.replace(/\.$/, "")})`
    : `while this run had it at ${describeRouting(had)}`;
  const skipped =
    resolution === "promoted" && context.skipped.length > 0
      ? `; its ${context.skipped.join(" and ")} did not run`
      : "";
  return {
    outcome: resolution,
    exitCode: operatorExitCode(resolution),
    reason: `${resolution === "promoted" ? "promoted" : "rolled back"} by an operator: ${functionName}:${aliasName} was set to 100% v${version} ${while_}; this run wrote nothing more${skipped}.`,
  };
}
