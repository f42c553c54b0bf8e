/**
 * What a server-side roll-out needs before it starts, all pure: the refusals (exit 2, nothing changed)
 * for what Step Functions cannot run, the execution's name, and the plan as execution input.
 */
import { InputError } from "../errors.js";
import type { GateSpecs } from "../health/gates.js";
import { assertMetricAlarmExpressible } from "../health/metric-alarm.js";
import type { Plan } from "../plan/plan.js";
import { liveFacts, type VersionRecord } from "../rollout/progress.js";
import type { ExecutionInput } from "./definition.js";
import { assertWithinHistoryLimit, pollSecondsOf, wholeSeconds } from "./history-bound.js";

/** `deploy --engine stepfunctions --state-machine ARN [--detach]`. */
export interface StepFunctionsEngine {
  kind: "stepfunctions";
  stateMachineArn: string;
  /** Return right after the start instead of following the execution. */
  detach: boolean;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:([A-Za-z0-9_-]{1,80})$/;
/** Lambda's limit on an alias description. */
const DESCRIPTION_LIMIT = 256;
/** The longest `$$.State.EnteredTime` (ISO 8601 with microseconds and an offset, as emulators write it). */
const TIME_LENGTH = 32;
/** DescribeAlarms takes at most 100 names, and one page of 100 must hold every alarm (definition.ts). */
export const MAX_SERVER_SIDE_ALARMS = 100;
/** A version number as long as any function will reach. */
const LONG_VERSION = "999999";

/**
 * The engine the flags (or the environment) choose: undefined for the local one. `--detach` without
 * Step Functions, or Step Functions without a state machine, is refused.
 */
export function engineOf(
  inputs: { engine?: string | undefined; stateMachine?: string | undefined; detach?: boolean | undefined },
  environment: { engine?: string | undefined; stateMachine?: string | undefined } | undefined,
): StepFunctionsEngine | undefined {
  const kind = inputs.engine ?? environment?.engine ?? "local";
  if (kind !== "local" && kind !== "stepfunctions") {
    throw new InputError(`Unknown engine "${kind}".`, {
      hint: "Use --engine local or --engine stepfunctions.",
    });
  }
  if (kind === "local") {
    if (inputs.detach) {
      throw new InputError(
        "--detach needs the Step Functions engine: a local roll-out ends with this process.",
        {
          hint: "Add --engine stepfunctions --state-machine ARN (or engine/stateMachine in the configuration).",
        },
      );
    }
    return undefined;
  }
  const stateMachineArn = inputs.stateMachine ?? environment?.stateMachine;
  if (!stateMachineArn) {
    throw new InputError("--engine stepfunctions needs the state machine that runs the roll-out.", {
      hint: "Pass --state-machine ARN (the Terraform module's state_machine_arn output), or set stateMachine: in the configuration.",
    });
  }
  return { kind: "stepfunctions", stateMachineArn, detach: inputs.detach ?? false };
}

/** `arn:...:stateMachine:NAME` -> `arn:...:execution:NAME:EXECUTION`, the ARN StartExecution will return. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}

/** Short, unique and valid (1-80 of [A-Za-z0-9-_]): it ends up in every alias description. */
export function executionName(now: number, random: () => number = Math.random): string {
  const suffix = Math.floor(random() * 36 ** 4)
    .toString(36)
    .padStart(4, "0");
  return `lambda-rollout-${now.toString(36)}-${suffix}`;
}

const EXAMPLE_NAME = executionName(Date.UTC(2100, 0, 1), () => 0.999);

function stepDescriptionLength(executionArn: string, steps: number): number {
  const text = `lambda-rollout: step ${steps}/${steps}, 99.99% to v${LONG_VERSION} from v${LONG_VERSION} since `;
  return text.length + TIME_LENGTH + ` [execution=${executionArn}]`.length;
}

function liveDescriptionLength(executionArn: string, version: string, facts: string): number {
  return (
    `lambda-rollout: v${version} live since `.length +
    TIME_LENGTH +
    facts.length +
    ` [execution=${executionArn}]`.length
  );
}

/**
 * Refuses, before anything is written, what cannot run inside Step Functions: metric options an alarm
 * cannot express (health/metric-alarm.ts), response-body expectations, hook commands without a CLI to run them (--detach), gates of
 * the library user's own, a plan whose execution could reach the history cap (history-bound.ts), and a
 * state machine whose ARN would not fit in the alias description.
 */
export function assertRunsServerSide(
  engine: StepFunctionsEngine,
  specs: GateSpecs,
  facts: {
    plan: Plan;
    /** The poll interval: with the bakes, it sets how many history events the execution writes. */
    intervalMs: number;
    customGates: number;
    manualApproval?: boolean;
  },
): void {
  const match = STATE_MACHINE_ARN.exec(engine.stateMachineArn);
  if (!match) {
    throw new InputError(`Invalid state machine ARN "${engine.stateMachineArn}".`, {
      hint: "Pass --state-machine arn:aws:states:REGION:ACCOUNT:stateMachine:NAME (the Terraform module's state_machine_arn output), or set stateMachine: in the configuration.",
    });
  }
  // The metric gate runs as an alarm of the roll-out's own (health/metric-alarm.ts): what it cannot
  // express is refused here, before anything is written.
  if (specs.metrics) assertMetricAlarmExpressible(specs.metrics);
  const withBody = (specs.smoke ?? []).find((check) => check.expect?.body !== undefined);
  if (withBody) {
    // The one definition serves every function, so the expected body is data, and JSONPath (all the
    // emulator runs) cannot test a response against a JSON subset given at run time.
    throw new InputError(
      "Smoke expect.body cannot be checked inside Step Functions: the state machine can test a response's statusCode, not whether its body contains a given JSON subset.",
      {
        hint: 'Keep expect.statusCode, which runs server-side (let the function answer a non-2xx statusCode when its body would be wrong); or check the body in a pre-traffic hook, which runs on this machine when following (not with --detach): --pre-traffic-hook ./check-body.sh, a script that runs `aws lambda invoke --function-name "$LAMBDA_ROLLOUT_FUNCTION" --qualifier "$LAMBDA_ROLLOUT_NEW_VERSION" …` and tests the answer with jq; or deploy with --engine local.',
      },
    );
  }
  const hooks = (specs.hooks?.preTraffic?.length ?? 0) + (specs.hooks?.postTraffic?.length ?? 0);
  if (hooks > 0 && engine.detach) {
    throw new InputError("Hook commands run on this machine, so they cannot run with --detach.", {
      hint: "Drop --detach (the CLI then follows the execution and runs the hooks), or express the check as a CloudWatch alarm or a smoke invocation, which run server-side.",
    });
  }
  if (facts.manualApproval) {
    throw new InputError("Manual approval is not available with --engine stepfunctions.", {
      hint: "Drop --manual-approval (manualApproval:) for this environment, or deploy with --engine local, which waits for `lambda-rollout approve`.",
    });
  }
  // The metric gate's own alarm is watched with the named ones.
  const alarms = new Set(specs.alarms ?? []).size + (specs.metrics ? 1 : 0);
  if (alarms > MAX_SERVER_SIDE_ALARMS) {
    throw new InputError(
      `${alarms} alarms are more than the state machine reads in one DescribeAlarms call (${MAX_SERVER_SIDE_ALARMS}).`,
      {
        hint: "Combine alarms into a few CloudWatch composite alarms and pass those with --alarm, or deploy with --engine local.",
      },
    );
  }
  if (alarms > 0 && specs.alarmReadFailure === "ignore") {
    throw new InputError("alarmReadFailure: ignore is not available with --engine stepfunctions.", {
      hint: "The state machine retries DescribeAlarms, then fails and restores the stable version; drop alarmReadFailure: ignore for this environment, or deploy with --engine local.",
    });
  }
  if (facts.customGates > 0) {
    throw new InputError("Gates of your own (DeployPorts.gates) cannot run inside Step Functions.", {
      hint: "Use the local engine for custom gates, or express them as CloudWatch alarms.",
    });
  }
  assertWithinHistoryLimit({
    plan: facts.plan,
    pollSeconds: pollSecondsOf(facts.intervalMs),
    alarms,
    smoke: specs.smoke?.length ?? 0,
  });
  const example = executionArnOf(engine.stateMachineArn, EXAMPLE_NAME);
  if (stepDescriptionLength(example, facts.plan.steps.length + 1) > DESCRIPTION_LIMIT) {
    throw new InputError(
      `The state machine name "${match[1]}" is too long: the execution ARN must fit in the alias description (256 characters) with the step.`,
      {
        hint: "Name the state machine with at most about 50 characters (the Terraform module's default is lambda-rollout).",
      },
    );
  }
}

/**
 * `--allow-firing-alarms` server-side. With no named alarm in ALARM at the start it changes nothing, so
 * the execution runs as asked. With one, the local engine ignores it until it leaves ALARM and gates on
 * it from then on; a generic JSONPath definition cannot follow that per alarm, so this is refused, with
 * the alarms that fire now and the way to run server-side without them.
 */
export function assertFiringAlarmsServerSide(firingAtStart: string[], alarms: string[]): void {
  if (firingAtStart.length === 0) return;
  const others = alarms.filter((name) => !firingAtStart.includes(name));
  const keep =
    others.length > 0
      ? `pass only the alarms that are not in ALARM (${others.map((name) => `--alarm ${name}`).join(" ")})`
      : "pass no --alarm";
  throw new InputError(
    `--allow-firing-alarms cannot run inside Step Functions while an alarm is in ALARM (now: ${firingAtStart.join(", ")}): the state machine cannot ignore an alarm until it leaves ALARM and gate on it afterwards. Nothing was changed.`,
    {
      hint: `To deploy server-side, ${keep} and keep a gate that judges the new version (--smoke-payload runs server-side); or deploy with --engine local, which ignores ${firingAtStart.join(", ")} until it leaves ALARM.`,
    },
  );
}

/** The plan as execution input (see definition.ts): weights as UpdateAlias fractions, times in whole seconds. */
export function executionInput(args: {
  functionName: string;
  aliasName: string;
  stableVersion: string;
  newVersion: string;
  plan: Plan;
  intervalMs: number;
  specs: GateSpecs;
  records: { stable?: VersionRecord | undefined; next?: VersionRecord | undefined };
  executionArn: string;
  /** Alarms created for this roll-out (its metric gate), watched like the named ones. */
  ownedAlarms?: string[] | undefined;
}): ExecutionInput {
  const { stableVersion, newVersion, executionArn } = args;
  // The version's facts only when the whole description still fits; they save the next deploy a read.
  const facts = (version: string, record: VersionRecord | undefined, replaced = "") => {
    const full = `${replaced}${liveFacts(record, version)}`;
    return liveDescriptionLength(executionArn, version, full) <= DESCRIPTION_LIMIT ? full : "";
  };
  return {
    functionName: args.functionName,
    aliasName: args.aliasName,
    stableVersion,
    newVersion,
    steps: args.plan.steps.map((step) => ({
      weight: step.weight,
      bakeSeconds: wholeSeconds(step.bakeMs),
      // As the Lambda adapter converts it (percent, up to 6 decimals, to a fraction without float noise).
      routing: { AdditionalVersionWeights: { [newVersion]: Math.round(step.weight * 1e6) / 1e8 } },
    })),
    finalBakeSeconds: wholeSeconds(args.plan.finalBakeMs),
    pollSeconds: pollSecondsOf(args.intervalMs),
    // Each name once: the state machine compares how many DescribeAlarms returns with this count.
    alarms: [...new Set([...(args.specs.alarms ?? []), ...(args.ownedAlarms ?? [])])],
    smoke: (args.specs.smoke ?? []).map((check) =>
      check.expect?.statusCode === undefined
        ? { payload: check.payload }
        : { payload: check.payload, statusCode: check.expect.statusCode },
    ),
    stableFacts: facts(stableVersion, args.records.stable),
    // As the local engine writes it: the version the new one replaced, so `prune` keeps the rollback target.
    newFacts: facts(
      newVersion,
      args.records.next,
      /^\d+$/.test(stableVersion) ? ` (replaced v${stableVersion})` : "",
    ),
  };
}
