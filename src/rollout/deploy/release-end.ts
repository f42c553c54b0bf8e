/**
 * How a release ends: what each function ended as (the result line) and, when it stops, every function
 * it moved put back on its pre-release version.
 */
import { AwsError, ConflictError, RollbackFailedError, RolloutError } from "../../errors.js";
import type { Clock } from "../../ports.js";
import type { AliasWriter } from "../engine/alias-writer.js";
import { DEFAULT_RESTORE_TIMEOUT_MS } from "../engine/engine.js";
import type { ResultEvent, RolloutEvent } from "../events.js";
import { type Checked, messageOf } from "../prepare/release-prepare.js";
import { liveDescription, parseReplaced } from "../progress.js";

/** What one function of the release ended as, in the result line. */
export interface ReleaseFunctionResult {
  function: string;
  region: string | null;
  alias: string;
  /** Its wave among the waves with something to ship; null when its wave had nothing to ship. */
  wave: number | null;
  fromVersion: string | null;
  toVersion: string | null;
  /** promoted: serves the new version; rolled_back: restored; unchanged: its package was live already. */
  state: "promoted" | "rolled_back" | "unchanged" | "not_started" | "failed";
}

export type ReleaseResultEvent = ResultEvent & {
  release: { id: string; name: string; functions: ReleaseFunctionResult[] };
};

/** Each function's end state, as the result line and the ledger say it. */
export function functionResults(
  checked: Checked[],
  ordinalOf: Map<number, number>,
  outcome: ResultEvent["outcome"],
  /** A server-side release: what each function ended as, as its execution said. */
  serverSide?: Map<Checked, ReleaseFunctionResult["state"]>,
): ReleaseFunctionResult[] {
  return checked.map(
    (item): ReleaseFunctionResult => ({
      function: item.spec.functionName,
      region: item.spec.region ?? null,
      alias: item.spec.aliasName,
      wave: ordinalOf.get(item.wave) ?? null,
      fromVersion: item.alias.version,
      toVersion: item.newVersion ?? null,
      state:
        serverSide?.get(item) ??
        (item.unchanged
          ? "unchanged"
          : item.restored
            ? "rolled_back"
            : item.writer === undefined || item.writer.isUntouched()
              ? "not_started"
              : outcome === "promoted"
                ? "promoted"
                : "failed"),
    }),
  );
}

/**
 * Puts every function the release moved back on its pre-release version, all in parallel: the
 * current wave's and every earlier wave's. Returns the worst failure (exit 5 before exit 3), if any.
 */
export async function restoreAll(
  checked: Checked[],
  cause: RolloutError,
  context: {
    clock: Clock;
    emitFor: (event: RolloutEvent, spec?: { functionName: string; region: string | undefined }) => void;
    restoreTimeoutMs: number | undefined;
  },
): Promise<RolloutError | undefined> {
  const { clock } = context;
  const moved = checked.filter((item) => item.writer !== undefined && !item.writer.isUntouched());
  const outcomes = await Promise.allSettled(
    moved.map(async (item) => {
      const who = { functionName: item.spec.functionName, region: item.spec.region };
      const stable = item.alias.version;
      context.emitFor({ type: "rollback", reason: cause.message, routing: { version: stable } }, who);
      await (item.writer as AliasWriter).restore(stable, cause.message, {
        clock,
        // Back to how it was: the stable version still replaced what it replaced before the release.
        description: liveDescription(
          item.stableRecord,
          stable,
          clock.now(),
          parseReplaced(item.alias.description, stable),
        ),
        timeoutMs: context.restoreTimeoutMs ?? DEFAULT_RESTORE_TIMEOUT_MS,
        note: (message) => context.emitFor({ type: "warning", message }, who),
      });
      item.restored = true;
    }),
  );
  const failures = outcomes.flatMap((outcome) =>
    outcome.status === "rejected" ? [toRolloutError(outcome.reason)] : [],
  );
  if (failures.length === 0) return undefined;
  const worst =
    failures.find((error) => error instanceof RollbackFailedError) ?? (failures[0] as RolloutError);
  const message = `The release stopped (${cause.message.split("\n")[0]}), but ${failures.length} function(s) could not be restored: ${failures.map((error) => error.message).join(" | ")}`;
  const hint = [
    ...failures.map((error) => error.hint).filter(Boolean),
    "Then run `lambda-rollout rollback --config FILE --env NAME` to restore every function of the release.",
  ].join("\n");
  return worst instanceof RollbackFailedError
    ? new RollbackFailedError(message, { hint, cause: worst })
    : new ConflictError(message, { hint, cause: worst });
}

export function toRolloutError(error: unknown): RolloutError {
  if (error instanceof RolloutError) return error;
  return new AwsError(messageOf(error), { cause: error });
}
