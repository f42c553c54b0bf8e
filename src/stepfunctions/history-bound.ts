/**
 * How many history events an execution of the definition (definition.ts) can write, so that no plan
 * starts that would reach Step Functions' cap. A standard execution stops at 25,000 events, without
 * running any Catch: the alias would stay split. Quotas:
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html ("Maximum execution history
 * size: 25,000 events"). Pure arithmetic over the plan; test/integration/stepfunctions-history.test.ts
 * runs a plan in the emulator and compares its GetExecutionHistory with {@link executionEvents}.
 */
import { InputError } from "../errors.js";
import type { Plan } from "../plan/plan.js";

/** Step Functions' limit on a standard execution's history. */
export const HISTORY_LIMIT = 25_000;
/**
 * What a plan may use of it: the rest is left for what cannot be counted ahead, the retries of a task
 * (about 3 events each: TaskFailed, TaskScheduled, TaskStarted) and a failure's restore path.
 */
export const HISTORY_BUDGET = Math.floor(HISTORY_LIMIT * 0.9);

/**
 * Events per state as Step Functions writes them: 2 for a Pass, Choice, Wait or Succeed (entered,
 * exited), 5 for a Task (entered, scheduled, started, succeeded, exited). Each constant below is
 * the sum over the states one pass through a part of the definition visits.
 */
export const EVENTS = {
  /** ExecutionStarted, Init, AnySmoke, the last NextStep, ApprovalNeeded, the promote guard (GetAlias
   * and 3 checks), Promote, AfterPromote, Promoted, ExecutionSucceeded. */
  fixed: 1 + 2 + 2 + 2 + 2 + (5 + 2 + 2 + 2) + 5 + 2 + 2 + 1,
  /** The FinalBake Pass, when there is a final bake. */
  finalBake: 2,
  /** NextStep, LoadStep, the shift guard (GetAlias and 3 checks), Shift, StartBake, Advance. */
  perStep: 2 + 2 + (5 + 2 + 2 + 2) + 5 + 2 + 2,
  /** The end of each bake: BakeElapsed, BakeLoop again, Decision (or FinalCheck). */
  perBake: 2 + 2 + 2,
  /** One poll interval of a bake: BakeLoop, WaitPoll, AfterPoll, AfterWait. */
  perWait: 2 + 2 + 2 + 2,
  /** The last, shorter wait of a bake that is not a whole number of polls: BakeLoop, WaitRest. */
  perRest: 2 + 2,
  /** One gate check without alarms: Gates, GatesPassed. */
  perCheck: 2 + 2,
  /** What alarms add to a gate check: DescribeAlarms (a task), AlarmVerdict, AlarmChoice. */
  perCheckAlarms: 5 + 2 + 2,
  /** The smoke Map: entered, started, succeeded, exited. */
  smoke: 4,
  /**
   * Manual approval, approved: StartApproval, the wait that receives the token (a task that waits for
   * a callback: entered, scheduled, started, submitted, succeeded, exited), Approved; then one check.
   */
  approval: 2 + 6 + 2,
  /** Each wait for approval that times out: the wait (6, timed out), AfterApprovalPoll, ApprovalLeft;
   * then one check. */
  perApprovalPoll: 6 + 2 + 2,
  /** One smoke invocation: iteration started and succeeded, Invoke (a task), two choices, SmokePassed. */
  perSmoke: 2 + 5 + 2 + 2 + 2,
} as const;

/** Whole seconds, as the execution input carries them (input.ts). */
export const wholeSeconds = (ms: number) => Math.ceil(ms / 1000);
export const pollSecondsOf = (intervalMs: number) => Math.max(1, wholeSeconds(intervalMs));

export interface HistoryShape {
  plan: Plan;
  pollSeconds: number;
  alarms: number;
  smoke: number;
  /** Manual approval's timeout, in whole seconds, when the plan waits for one. */
  approvalSeconds?: number | undefined;
}

/** The events of an approval that came after `timedOut` waits ran out (each followed by a gate check). */
export function approvalEvents(timedOut: number, alarms: number): number {
  const perCheck = EVENTS.perCheck + (alarms > 0 ? EVENTS.perCheckAlarms : 0);
  return EVENTS.approval + perCheck + timedOut * (EVENTS.perApprovalPoll + perCheck);
}

/** The most events a successful execution of this plan writes (a failure ends it sooner). */
export function executionEvents(shape: HistoryShape): number {
  const { plan, pollSeconds } = shape;
  const bakes = [
    ...plan.steps.map((step) => step.bakeMs),
    ...(plan.finalBakeMs > 0 ? [plan.finalBakeMs] : []),
  ];
  const polls = bakes.map((ms) => Math.floor(wholeSeconds(ms) / pollSeconds));
  const rests = bakes.filter((ms) => wholeSeconds(ms) % pollSeconds > 0).length;
  const waits = polls.reduce((sum, n) => sum + n, 0) + rests;
  // One check before any traffic, one after each wait; a bake of 0 s still has its decision check.
  const checks = 1 + waits + bakes.filter((ms) => wholeSeconds(ms) === 0).length;
  const perCheck = EVENTS.perCheck + (shape.alarms > 0 ? EVENTS.perCheckAlarms : 0);
  return (
    EVENTS.fixed +
    (plan.finalBakeMs > 0 ? EVENTS.finalBake : 0) +
    plan.steps.length * EVENTS.perStep +
    bakes.length * EVENTS.perBake +
    polls.reduce((sum, n) => sum + n, 0) * EVENTS.perWait +
    rests * EVENTS.perRest +
    checks * perCheck +
    (shape.smoke > 0 ? EVENTS.smoke + shape.smoke * EVENTS.perSmoke : 0) +
    // The longest approved path: approved in the last wait before the timeout.
    (shape.approvalSeconds === undefined
      ? 0
      : approvalEvents(Math.max(0, Math.ceil(shape.approvalSeconds / pollSeconds) - 1), shape.alarms))
  );
}

/** The shortest poll interval, in whole seconds, at which the plan fits the budget (undefined: none). */
function shortestPollThatFits(shape: HistoryShape): number | undefined {
  for (let poll = shape.pollSeconds + 1; poll <= 3600; poll++) {
    if (executionEvents({ ...shape, pollSeconds: poll }) <= HISTORY_BUDGET) return poll;
  }
  return undefined;
}

/** Exit 2, before anything is written, for a plan whose execution could reach the history cap. */
export function assertWithinHistoryLimit(shape: HistoryShape): void {
  const events = executionEvents(shape);
  if (events <= HISTORY_BUDGET) return;
  const poll = shortestPollThatFits(shape);
  const fixes = [
    ...(poll ? [`poll less often: --interval ${poll}s or more`] : []),
    "shorten the bakes (--steps, --final-bake)",
    "or deploy with --engine local, which has no such limit",
  ];
  throw new InputError(
    `This plan's Step Functions execution could write up to ${events} history events (polling every ${shape.pollSeconds} s${shape.alarms > 0 ? ", reading the alarms each time" : ""}), more than the ${HISTORY_BUDGET} a plan may use of the ${HISTORY_LIMIT}-event limit of an execution; at the limit the execution stops without restoring the alias. Nothing was changed.`,
    { hint: `Any one of these fixes it: ${fixes.join("; ")}.` },
  );
}
