import { InputError } from "../errors.js";
import { durationTooLong, formatDuration, MAX_DURATION_MS, parseDuration } from "./duration.js";
import { decimalPlacesOf, decimalPlacesOfText, MAX_WEIGHT_DECIMALS } from "./weight.js";

/** One traffic step: `weight` percent of the alias's traffic goes to the new version for `bakeMs`. */
export interface Step {
  weight: number;
  bakeMs: number;
}

/**
 * A validated roll-out plan. `steps` are the partial weights (strictly increasing, each in (0, 100));
 * the shift to 100% always follows the last step, then `finalBakeMs` (0 = none) with the same gates.
 */
export interface Plan {
  strategy: string;
  steps: Step[];
  finalBakeMs: number;
}

const MINUTE = 60_000;

function canary(percent: number, minutes: number): Step[] {
  return [{ weight: percent, bakeMs: minutes * MINUTE }];
}

function linear(percent: number, minutes: number): Step[] {
  const steps: Step[] = [];
  for (let weight = percent; weight < 100; weight += percent)
    steps.push({ weight, bakeMs: minutes * MINUTE });
  return steps;
}

/** The nine CodeDeploy Lambda presets, with CodeDeploy's names and meaning. */
export const PRESETS: Readonly<Record<string, readonly Step[]>> = {
  AllAtOnce: [],
  Canary10Percent5Minutes: canary(10, 5),
  Canary10Percent10Minutes: canary(10, 10),
  Canary10Percent15Minutes: canary(10, 15),
  Canary10Percent30Minutes: canary(10, 30),
  Linear10PercentEvery1Minute: linear(10, 1),
  Linear10PercentEvery2Minutes: linear(10, 2),
  Linear10PercentEvery3Minutes: linear(10, 3),
  Linear10PercentEvery10Minutes: linear(10, 10),
};

export const PRESET_NAMES = Object.keys(PRESETS);

const STEP_PATTERN = /^(\d+(?:\.\d+)?)%:(.+)$/;

/** Parses `--steps "10%:5m,50%:5m"`. Throws InputError naming the bad element. */
export function parseSteps(text: string): Step[] {
  const parts = text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (parts.length === 0) {
    throw new InputError(`Invalid --steps "${text}": no steps given.`, {
      hint: 'List WEIGHT%:DURATION pairs, for example --steps "10%:5m,50%:5m".',
    });
  }
  return parts.map((part) => {
    const match = STEP_PATTERN.exec(part);
    if (!match) {
      throw new InputError(`Invalid step "${part}" in --steps "${text}".`, {
        hint: 'Each step is WEIGHT%:DURATION, for example "10%:5m"; the shift to 100% follows the last step.',
      });
    }
    const weightText = match[1] as string;
    if (decimalPlacesOfText(weightText) > MAX_WEIGHT_DECIMALS) throw tooPrecise(`step "${part}"`);
    return {
      // The double nearest to the decimal written: exact enough to round-trip through AWS's fraction.
      weight: Number(weightText),
      bakeMs: parseDuration(match[2] as string, `duration in step "${part}"`),
    };
  });
}

export interface PlanInput {
  strategy?: string | undefined;
  steps?: string | Step[] | undefined;
  finalBake?: string | number | undefined;
}

/** Builds and validates a plan. Pure; throws InputError before anything is written. */
export function buildPlan(input: PlanInput): Plan {
  if (input.strategy !== undefined && input.steps !== undefined) {
    throw new InputError("Both a strategy and custom steps were given.", {
      hint: "Use either --strategy PRESET or --steps, not both.",
    });
  }
  let strategy: string;
  let steps: Step[];
  if (input.steps !== undefined) {
    strategy = "custom";
    steps = typeof input.steps === "string" ? parseSteps(input.steps) : input.steps.map((s) => ({ ...s }));
  } else {
    strategy = input.strategy ?? "AllAtOnce";
    const preset = PRESETS[strategy];
    if (preset === undefined) {
      const near = PRESET_NAMES.find((name) => name.toLowerCase() === strategy.toLowerCase());
      throw new InputError(`Unknown strategy "${strategy}".`, {
        hint: near
          ? `Did you mean "${near}"? Preset names are case-sensitive.`
          : `Use one of: ${PRESET_NAMES.join(", ")}; or give --steps "10%:5m,50%:5m".`,
      });
    }
    steps = preset.map((s) => ({ ...s }));
  }
  const finalBakeMs =
    input.finalBake === undefined
      ? 0
      : typeof input.finalBake === "number"
        ? input.finalBake
        : parseDuration(input.finalBake, "--final-bake");
  const plan: Plan = { strategy, steps, finalBakeMs };
  validatePlan(plan);
  return plan;
}

function tooPrecise(label: string): InputError {
  return new InputError(`Invalid ${label}: weights have at most two decimals.`, {
    hint: "Round the weight to 0.01% (one request in 10,000), for example 0.29% or 1.1%.",
  });
}

export function validatePlan(plan: Plan): void {
  let previous = 0;
  for (const [index, step] of plan.steps.entries()) {
    const label = `step ${index + 1} (${step.weight}%)`;
    if (!Number.isFinite(step.weight) || step.weight <= 0 || step.weight >= 100) {
      throw new InputError(`Invalid ${label}: weights must be greater than 0% and less than 100%.`, {
        hint: "The shift to 100% happens by itself after the last step; do not list it.",
      });
    }
    if (decimalPlacesOf(step.weight) > MAX_WEIGHT_DECIMALS) throw tooPrecise(label);
    if (step.weight <= previous) {
      throw new InputError(
        `Invalid ${label}: weights must strictly increase (previous step was ${previous}%).`,
        {
          hint: 'Order the steps by weight, for example "10%:5m,50%:5m".',
        },
      );
    }
    if (!Number.isFinite(step.bakeMs) || step.bakeMs <= 0) {
      throw new InputError(`Invalid ${label}: its duration must be greater than zero.`);
    }
    if (step.bakeMs > MAX_DURATION_MS) throw durationTooLong(label);
    previous = step.weight;
  }
  if (!Number.isFinite(plan.finalBakeMs) || plan.finalBakeMs < 0) {
    throw new InputError("Invalid final bake: it must be zero or a positive duration.");
  }
  if (plan.finalBakeMs > MAX_DURATION_MS) throw durationTooLong("final bake");
}

/** Total time the plan bakes, not counting AWS calls. */
export function planDurationMs(plan: Plan): number {
  return plan.steps.reduce((sum, step) => sum + step.bakeMs, 0) + plan.finalBakeMs;
}

export function describePlan(plan: Plan): string {
  const steps = plan.steps.map((s) => `${s.weight}% for ${formatDuration(s.bakeMs)}`);
  steps.push("100%");
  if (plan.finalBakeMs > 0) steps.push(`bake ${formatDuration(plan.finalBakeMs)}`);
  return `${plan.strategy}: ${steps.join(" → ")}`;
}
