/**
 * A release as the release definition's execution input (release-definition.ts), and the bound on its
 * history. Pure: the CLI resolves and publishes, then hands this over (rollout/server-side/release.ts).
 */
import { InputError } from "../errors.js";
import type { GateSpecs } from "../health/gates.js";
import type { Plan } from "../plan/plan.js";
import { EVENTS, HISTORY_BUDGET, HISTORY_LIMIT, pollSecondsOf, wholeSeconds } from "./history-bound.js";
import { MAX_SERVER_SIDE_ALARMS } from "./input.js";
import type { ReleaseExecutionInput, ReleaseMemberInput } from "./release-definition.js";

export interface ReleaseInputMember extends GateSpecs {
  functionName: string;
  aliasName: string;
  stableVersion: string;
  newVersion: string;
  /** The version the stable one replaced before the release, kept in its restored description. */
  replaced?: string | undefined;
}

export interface ReleaseInputWave {
  /** The wave's own bake, after the plan's final bake, before the next wave. */
  bakeMs: number;
  members: ReleaseInputMember[];
}

/** As the Lambda adapter converts a percentage (up to 6 decimals) to a fraction, without float noise. */
const fraction = (weight: number) => Math.round(weight * 1e6) / 1e8;

export function releaseExecutionInput(args: {
  releaseId: string;
  plan: Plan;
  intervalMs: number;
  waves: ReleaseInputWave[];
}): ReleaseExecutionInput {
  const { releaseId, plan } = args;
  const pollSeconds = pollSecondsOf(args.intervalMs);
  const count = args.waves.length;
  const waves = args.waves.map((wave, index) => {
    const tag = ` release=${releaseId} wave=${index + 1}/${count}`;
    const members = wave.members.map(
      (member): ReleaseMemberInput => ({
        functionName: member.functionName,
        aliasName: member.aliasName,
        stableVersion: member.stableVersion,
        newVersion: member.newVersion,
        weights: [{}, ...plan.steps.map((step) => ({ [member.newVersion]: fraction(step.weight) }))],
        stepTag: tag,
        liveSuffix: `${/^\d+$/.test(member.stableVersion) ? ` (replaced v${member.stableVersion})` : ""}${tag} from=v${member.stableVersion}`,
        restoreSuffix:
          member.replaced !== undefined && /^\d+$/.test(member.replaced)
            ? ` (replaced v${member.replaced})`
            : "",
      }),
    );
    return {
      number: index + 1,
      waves: count,
      alarms: [...new Set(wave.members.flatMap((member) => member.alarms ?? []))],
      smoke: wave.members.flatMap((member) =>
        (member.smoke ?? []).map((check) => ({
          functionName: member.functionName,
          version: member.newVersion,
          payload: check.payload,
          ...(check.expect?.statusCode === undefined ? {} : { statusCode: check.expect.statusCode }),
        })),
      ),
      pollSeconds,
      finalBakeSeconds: wholeSeconds(plan.finalBakeMs + wave.bakeMs),
      members,
    };
  });
  return {
    releaseId,
    steps: plan.steps.map((step) => ({ weight: step.weight, bakeSeconds: wholeSeconds(step.bakeMs) })),
    waves,
    members: waves.flatMap((wave) => wave.members),
  };
}

/**
 * Events per part of the release definition, beyond the shared gate and bake states (history-bound.ts
 * counts those): 2 per Pass or Choice, 5 per Task; a Map writes MapStateEntered, MapStateStarted,
 * MapStateSucceeded, MapStateExited, and per iteration MapIterationStarted and MapIterationSucceeded.
 * Measured from the emulator's GetExecutionHistory (test/integration/stepfunctions-release.test.ts).
 */
export const RELEASE_EVENTS = {
  /** ExecutionStarted, Init, the last NextWave, ReleasePromoted, ExecutionSucceeded. */
  fixed: 1 + 2 + 2 + 2 + 1,
  /** NextWave, LoadWave, UseWave, AnySmoke, the last NextStep, the PromoteWave Map and its verdict
   * (a Pass and a Choice), AfterPromote, Promoted, ResetRun. */
  perWave: 2 + 2 + 2 + 2 + 2 + 4 + 2 + 2 + 2 + 2 + 2,
  /** NextStep, LoadStep, the ShiftWave Map and its verdict (a Pass and a Choice), StartBake, Advance. */
  perStep: 2 + 2 + 4 + 2 + 2 + 2 + 2,
  /** One member's guarded write: its iteration (2), GetAlias, Routed, Weights, Check, UpdateAlias, Written. */
  perMemberWrite: 2 + 5 + 2 + 2 + 2 + 5 + 2,
} as const;

export interface ReleaseHistoryShape {
  plan: Plan;
  pollSeconds: number;
  waves: { bakeMs: number; members: number; alarms: number; smoke: number }[];
}

/** The most events a successful execution of this release writes (history-bound.ts for one function). */
export function releaseExecutionEvents(shape: ReleaseHistoryShape): number {
  const { plan, pollSeconds } = shape;
  let total = RELEASE_EVENTS.fixed;
  for (const wave of shape.waves) {
    const hold = plan.finalBakeMs + wave.bakeMs;
    const bakes = [...plan.steps.map((step) => step.bakeMs), ...(hold > 0 ? [hold] : [])];
    const polls = bakes.map((ms) => Math.floor(wholeSeconds(ms) / pollSeconds));
    const pollCount = polls.reduce((sum, n) => sum + n, 0);
    const rests = bakes.filter((ms) => wholeSeconds(ms) % pollSeconds > 0).length;
    const checks = 1 + pollCount + rests + bakes.filter((ms) => wholeSeconds(ms) === 0).length;
    const perCheck = EVENTS.perCheck + (wave.alarms > 0 ? EVENTS.perCheckAlarms : 0);
    total +=
      RELEASE_EVENTS.perWave +
      (hold > 0 ? EVENTS.finalBake : 0) +
      plan.steps.length * RELEASE_EVENTS.perStep +
      (plan.steps.length + 1) * wave.members * RELEASE_EVENTS.perMemberWrite +
      bakes.length * EVENTS.perBake +
      pollCount * EVENTS.perWait +
      rests * EVENTS.perRest +
      checks * perCheck +
      (wave.smoke > 0 ? EVENTS.smoke + wave.smoke * EVENTS.perSmoke : 0);
  }
  return total;
}

/**
 * Exit 2, before anything is written, for a release whose execution could reach the history cap, or
 * whose wave names more alarms than one DescribeAlarms reads.
 */
export function assertReleaseFits(shape: ReleaseHistoryShape): void {
  const crowded = shape.waves.findIndex((wave) => wave.alarms > MAX_SERVER_SIDE_ALARMS);
  if (crowded >= 0) {
    throw new InputError(
      `Wave ${crowded + 1} watches ${shape.waves[crowded]?.alarms} alarms, more than the state machine reads in one DescribeAlarms call (${MAX_SERVER_SIDE_ALARMS}).`,
      { hint: "Combine alarms into CloudWatch composite alarms, or deploy with --engine local." },
    );
  }
  const events = releaseExecutionEvents(shape);
  if (events <= HISTORY_BUDGET) return;
  let poll: number | undefined;
  for (let p = shape.pollSeconds + 1; p <= 3600 && poll === undefined; p++)
    if (releaseExecutionEvents({ ...shape, pollSeconds: p }) <= HISTORY_BUDGET) poll = p;
  const fixes = [
    ...(poll ? [`poll less often: --interval ${poll}s or more`] : []),
    "shorten the bakes (steps, final bake, wave bakes) or split the release into smaller ones",
    "or deploy with --engine local, which has no such limit",
  ];
  throw new InputError(
    `This release's Step Functions execution could write up to ${events} history events (polling every ${shape.pollSeconds} s), more than the ${HISTORY_BUDGET} a plan may use of the ${HISTORY_LIMIT}-event limit of an execution; at the limit the execution stops without restoring the aliases. Nothing was changed.`,
    { hint: `Any one of these fixes it: ${fixes.join("; ")}.` },
  );
}
