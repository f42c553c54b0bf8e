/**
 * Credentials that expire mid-roll-out strand a split alias: every call fails, the rollback too. So
 * before the first write, the credentials must either outlive the roll-out's worst case or be renewed
 * by their provider. Pure arithmetic plus one read of the credentials port.
 */
import { InputError } from "../../errors.js";
import type { Plan } from "../../plan/plan.js";
import type { CredentialsLifetime, CredentialsPort } from "../../ports.js";
import type { RolloutEvent } from "../events.js";

export interface WorstCaseInput {
  plan: Plan;
  /** How long each bake may be extended while a gate is inconclusive (0 without a metric gate). */
  maxExtensionMs: number;
  /** Pre- and post-traffic hook commands, each of which may run until `hookTimeoutMs`. */
  hooks: number;
  hookTimeoutMs: number;
  /** Bound on waiting for the code update to settle; 0 when deploying an existing version. */
  updateWaitMs: number;
  /**
   * Bound on waiting for a Lambda Managed Instances version to become Active (its execution environments
   * start first); 0 on Lambda's default compute.
   */
  activationWaitMs?: number | undefined;
  /** How long restoring the alias keeps retrying: the margin a failing roll-out needs at its end. */
  restoreTimeoutMs: number;
  /** How long a deploy with manual approval may wait before 100% (0 without). */
  approvalTimeoutMs?: number | undefined;
}

export interface WorstCase {
  totalMs: number;
  /** The non-zero terms, for messages. */
  parts: { what: string; ms: number }[];
}

/**
 * The longest a roll-out can take before it ends, one way or the other. Smoke invocations and AWS calls
 * are not counted: they take seconds, and the restore margin absorbs them.
 */
export function worstCaseDuration(input: WorstCaseInput): WorstCase {
  const { plan } = input;
  const bakes = plan.steps.length + (plan.finalBakeMs > 0 ? 1 : 0);
  const terms: [string, number][] = [
    ["bakes", plan.steps.reduce((sum, step) => sum + step.bakeMs, 0) + plan.finalBakeMs],
    ["inconclusive extensions", bakes * input.maxExtensionMs],
    ["hook timeouts", input.hooks * input.hookTimeoutMs],
    ["code update wait", input.updateWaitMs],
    ["Managed Instances activation", input.activationWaitMs ?? 0],
    ["approval wait", input.approvalTimeoutMs ?? 0],
    ["restore margin", input.restoreTimeoutMs],
  ];
  const parts = terms.filter(([, ms]) => ms > 0).map(([what, ms]) => ({ what, ms }));
  return { totalMs: parts.reduce((sum, part) => sum + part.ms, 0), parts };
}

const MINUTE = 60_000;
/** AWS caps a role session at 12 hours. */
const MAX_SESSION_SECONDS = 43_200;
/** Room for the CI job's steps before the deploy (checkout, build, download) in a suggested session. */
const JOB_SLACK_MS = 15 * MINUTE;

const minutes = (ms: number, round: (n: number) => number) => `${round(ms / MINUTE)} min`;
const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

export function describeWorstCase(worst: WorstCase): string {
  const parts = worst.parts.map((part) => `${part.what} ${minutes(part.ms, Math.ceil)}`).join(", ");
  return `up to ${minutes(worst.totalMs, Math.ceil)} (${parts})`;
}

/** A role session that covers the worst case plus the job's earlier steps, in whole quarter hours. */
export function suggestedSessionSeconds(worst: WorstCase): number {
  const quarters = Math.ceil((worst.totalMs + JOB_SLACK_MS) / (15 * MINUTE));
  return Math.max(3_600, quarters * 900);
}

function tooShortError(
  lifetime: CredentialsLifetime,
  expiration: Date,
  worst: WorstCase,
  now: number,
  serverSide: boolean,
) {
  const left = expiration.getTime() - now;
  const when =
    left > 0
      ? `expire at ${isoSeconds(expiration)} (in ${minutes(left, Math.floor)})`
      : `expired at ${isoSeconds(expiration)} (${minutes(-left, Math.ceil)} ago)`;
  const seconds = suggestedSessionSeconds(worst);
  const session =
    seconds <= MAX_SESSION_SECONDS
      ? `a longer session: \`role-duration-seconds: ${seconds}\` or more in aws-actions/configure-aws-credentials (the worst case plus 15 minutes for the job's earlier steps). The role must allow it: its maximum session duration is \`deployer_max_session_duration_seconds\` in the lambda-rollout-target Terraform module. Locally, fresh credentials with that much time left.`
      : `no role session is long enough (AWS allows at most 12 hours), so shorten the plan.`;
  return new InputError(
    `The AWS credentials from ${lifetime.source} ${when}, but this roll-out may take ${describeWorstCase(worst)}. Nothing renews them, so every call after that would fail, including the rollback. Nothing was changed.`,
    {
      hint: [
        "Any one of these fixes it:",
        `- ${session}`,
        "- a shorter plan: fewer or shorter steps, a shorter final bake, a shorter metrics maxExtension, hook timeout or --approval-timeout.",
        ...(serverSide
          ? [
              "- `--engine stepfunctions --state-machine ARN`, which runs the roll-out inside AWS Step Functions: the credentials then only need to last until the execution has started (see the README, Long roll-outs without a CI runner).",
            ]
          : []),
      ].join("\n"),
    },
  );
}

/** How the credentials compare with a roll-out's worst case (what preview shows, what deploy acts on). */
export type LifetimeVerdict =
  /** Nothing says when they expire (long-lived keys, or a provider that does not tell). */
  | { verdict: "unknown"; lifetime: CredentialsLifetime }
  | {
      verdict: "fits" | "renews" | "too_short";
      lifetime: CredentialsLifetime;
      expiration: Date;
      leftMs: number;
    };

export function judgeLifetime(lifetime: CredentialsLifetime, worst: WorstCase, now: number): LifetimeVerdict {
  const { expiration } = lifetime;
  if (!expiration) return { verdict: "unknown", lifetime };
  const leftMs = expiration.getTime() - now;
  const verdict = leftMs >= worst.totalMs ? "fits" : lifetime.refreshable ? "renews" : "too_short";
  return { verdict, lifetime, expiration, leftMs };
}

/** The refusal (exit 2) of a roll-out the credentials would not outlive. */
export function tooShort(
  judged: LifetimeVerdict,
  worst: WorstCase,
  now: number,
  /** Whether `--engine stepfunctions` can run this roll-out instead (one function, or a release in one region). */
  serverSide = false,
): InputError | undefined {
  return judged.verdict === "too_short"
    ? tooShortError(judged.lifetime, judged.expiration, worst, now, serverSide)
    : undefined;
}

/**
 * Exit 2 before anything changes when the credentials would expire before the roll-out could end and
 * their provider cannot renew them; otherwise says what it found. Without a port (tests, embedders that
 * bring their own adapters) there is nothing to check.
 */
export async function assertCredentialsOutlive(
  credentials: CredentialsPort | undefined,
  worst: WorstCase,
  context: {
    now: number;
    emit: (event: RolloutEvent) => void;
    /** Whether `--engine stepfunctions` can run this roll-out instead (one function, or a release in one region). */
    serverSide?: boolean | undefined;
  },
): Promise<void> {
  if (!credentials) return;
  const { now, emit } = context;
  const judged = judgeLifetime(await credentials.lifetime(), worst, now);
  const { lifetime } = judged;
  if (judged.verdict === "unknown") {
    if (lifetime.caveat)
      emit({
        type: "warning",
        message: `${lifetime.caveat} This roll-out may take ${describeWorstCase(worst)}.`,
      });
    return;
  }
  const { expiration, leftMs } = judged;
  if (judged.verdict === "fits") {
    emit({
      type: "info",
      message: `AWS credentials from ${lifetime.source} are valid until ${isoSeconds(expiration)} (${minutes(leftMs, Math.floor)}); this roll-out takes ${describeWorstCase(worst)}.`,
    });
    return;
  }
  const refused = tooShort(judged, worst, now, context.serverSide ?? false);
  if (refused) throw refused;
  emit({
    type: "info",
    message: `AWS credentials from ${lifetime.source} expire at ${isoSeconds(expiration)}, before this roll-out may end (${describeWorstCase(worst)}); their provider renews them.`,
  });
  if (lifetime.caveat) emit({ type: "warning", message: lifetime.caveat });
}
