/**
 * A running release obeys `rollback` and `promote` of the release from anywhere (release-manage.ts
 * `endRelease`), as a single-function deploy obeys them (operator.ts). On every bake poll the release
 * reads the alias of every function of the current wave, in parallel. Its lockstep writes are not
 * preceded by a read: each carries its RevisionId, and when Lambda refuses one (someone changed that
 * alias), the release reads every alias it moved, the earlier waves' too. Before a wave's first write
 * it reads the earlier waves' aliases once: a rollback of the release between waves changes only
 * those, which no RevisionId of the new wave can tell. What it finds, set by someone else:
 * - every function of the current wave 100% on its pre-release version, and every function of the
 *   earlier waves back on its own: an operator's rollback of the release; it ends `rolled_back` (exit 1)
 *   and writes nothing more;
 * - every function of the current wave 100% on its new version: an operator's promote; the wave's
 *   remaining bakes are skipped (release.ts ends the release there, or carries on with the next wave,
 *   which `promote` cannot ship since its packages are not published yet);
 * - anything else: someone else's change, a conflict (exit 3), as before.
 * `endRelease` writes its functions in parallel, so a poll may land between its writes: a change that
 * points one way but is not complete yet is read again for a while before it counts as a conflict.
 */
import { AwsError, InterruptedError } from "../../errors.js";
import type { AliasState, Clock } from "../../ports.js";
import { sameRouting } from "../../ports.js";
import { describeRouting, ForeignChangeError } from "./alias-writer.js";
import type { WatchedMember, WatchMoment } from "./member.js";
import { type OperatorResolution, operatorExitCode, operatorResolution } from "./operator.js";

/** How long a half-done operator change is read again before it counts as someone else's conflict. */
export const OPERATOR_SETTLE_MS = 20_000;
const SETTLE_READ_MS = 2_000;

/** Thrown out of the wave when an operator ended it: release.ts turns it into the result. */
export class OperatorDecision extends Error {
  readonly exitCode: number;
  constructor(
    readonly resolution: OperatorResolution,
    readonly reason: string,
  ) {
    super(reason);
    this.name = "OperatorDecision";
    this.exitCode = operatorExitCode(resolution);
  }
}

export interface ReleaseWatchContext {
  releaseId: string;
  /** The current wave's place among the waves with something to ship (1-based), and their count. */
  wave: number;
  waves: number;
  current: WatchedMember[];
  /** The functions the earlier waves moved. */
  earlier: WatchedMember[];
  clock: Clock;
  signal?: AbortSignal | undefined;
  warn: (message: string) => void;
}

interface Seen {
  member: WatchedMember;
  live: AliasState;
  /** Still the routing this run last set. */
  own: boolean;
}

type Verdict = OperatorResolution | "continue" | "pending";

const at = (seen: Seen, side: OperatorResolution) =>
  seen.live.additional === undefined &&
  seen.live.version === (side === "promoted" ? seen.member.newVersion : seen.member.stable);

const conflictOf = (seen: Seen) =>
  new ForeignChangeError(seen.live, describeRouting(seen.member.writer.state), "during the release", {
    region: seen.member.region,
  });

/** Throws ForeignChangeError for a change no operator's release command makes. */
function verdictOf(seen: Seen[]): Verdict {
  const changed = seen
    .filter((item) => !item.own)
    .map((item) => ({
      item,
      side: operatorResolution(item.live, item.member.stable, item.member.newVersion),
    }));
  const first = changed[0];
  if (first === undefined) return "continue";
  const unknown = changed.find((change) => change.side === undefined);
  if (unknown) throw conflictOf(unknown.item);
  const side = first.side as OperatorResolution;
  // Some set back, some set forward: no single operator's command does that.
  if (changed.some((change) => change.side !== side)) throw conflictOf(first.item);
  return seen.every((item) => at(item, side)) ? side : "pending";
}

export function watchRelease(context: ReleaseWatchContext) {
  const { clock, signal } = context;
  const read = (members: WatchedMember[]): Promise<Seen[]> =>
    Promise.all(
      members.map(async (member) => {
        const live = await member.lambda.getAlias(member.functionName, member.aliasName, { signal });
        return { member, live, own: sameRouting(live, member.writer.state) };
      }),
    );

  /** Resolves when the release may go on; throws OperatorDecision or ForeignChangeError otherwise. */
  return async (moment: WatchMoment, weight: number): Promise<void> => {
    const deadline = clock.now() + OPERATOR_SETTLE_MS;
    for (;;) {
      let seen: Seen[];
      let verdict: Verdict;
      try {
        seen = await read(
          moment === "write"
            ? [...context.current, ...context.earlier]
            : moment === "wave"
              ? context.earlier
              : context.current,
        );
        verdict = verdictOf(seen);
        // A rollback of the release puts the earlier waves back too: check them before believing it.
        if (verdict === "rolled_back" && moment === "poll" && context.earlier.length > 0) {
          seen = [...seen, ...(await read(context.earlier))];
          verdict = verdictOf(seen);
        }
      } catch (error) {
        // Nothing is written on a poll: a read that failed after the adapter's retries is tried again
        // at the next poll (after a refused write, a failure stops the release).
        if (moment === "poll" && error instanceof AwsError && error.retryable && !signal?.aborted) {
          context.warn(
            `Could not read every alias of wave ${context.wave}/${context.waves} during the bake (${error.message}); reading them again at the next poll.`,
          );
          return;
        }
        throw error;
      }
      if (verdict === "continue") {
        // Adopts RevisionIds and descriptions that moved on their own (an edit by hand or Terraform).
        for (const item of seen) item.member.writer.observe(item.live);
        return;
      }
      if (verdict === "pending") {
        const changed = seen.filter((item) => !item.own);
        if (clock.now() >= deadline) throw conflictOf(changed[0] as Seen);
        context.warn(
          `${changed.length} of ${seen.length} aliases were set by someone else (${changed.map((item) => `${item.member.functionName}: ${describeRouting(item.live)}`).join(", ")}); reading again in ${SETTLE_READ_MS / 1000}s in case an operator's promote or rollback is still under way.`,
        );
        await clock.sleep(SETTLE_READ_MS, signal);
        if (signal?.aborted)
          throw new InterruptedError(`Interrupted (${String(signal.reason ?? "signal")}).`);
        continue;
      }
      // The operator's routing is now this run's: a later restore (another wave failing after a
      // promote) may move it back, and each function counts as moved in the result.
      for (const item of seen) if (!item.own) item.member.writer.adopt(item.live);
      throw new OperatorDecision(verdict, reasonOf(verdict, context, weight));
    }
  };
}

function reasonOf(resolution: OperatorResolution, context: ReleaseWatchContext, weight: number): string {
  const where = `while wave ${context.wave}/${context.waves} was at ${weight}%`;
  return resolution === "rolled_back"
    ? `rolled back by an operator: every function of release ${context.releaseId} was set back to its pre-release version ${where}; this run wrote nothing more.`
    : `promoted by an operator: every function of wave ${context.wave}/${context.waves} of release ${context.releaseId} was set to 100% on its new version ${where}; this run wrote nothing more to it and skipped its remaining bakes.`;
}
