/**
 * A canary nobody watches: a plan that shifts traffic step by step with no gate can never roll back
 * before 100%, so it is a slow AllAtOnce that looks safe. It runs (a gate may be missing on purpose),
 * with a warning that names the options; `requireGates` (`--require-gates`) refuses it instead.
 */
import { InputError } from "../errors.js";
import type { Plan } from "../plan/plan.js";
import { versionJudges } from "./firing-alarms.js";
import type { HealthGate } from "./gate.js";
import type { GateSpecs } from "./gates.js";

/** Every gate a roll-out has, named for messages (alarms first); empty when it has none. */
export function gateNames(specs: GateSpecs, custom: HealthGate[] = []): string[] {
  return [(specs.alarms?.length ?? 0) > 0 ? "alarms" : "", ...versionJudges(specs, custom)].filter(Boolean);
}

const OPTIONS =
  "Add a gate: --alarm NAME (alarms:), --smoke-payload JSON (smoke:), --pre-traffic-hook/--post-traffic-hook COMMAND (hooks:) or metrics: in the configuration.";

/**
 * The warning for a weighted plan with no gate (undefined when there is a gate, or no step before
 * 100%). With `require`, a roll-out with no gate at all is exit 2 instead, whatever its plan.
 */
export function gatelessWarning(
  target: string,
  plan: Plan,
  specs: GateSpecs,
  custom: HealthGate[] = [],
  require = false,
): string | undefined {
  if (gateNames(specs, custom).length > 0) return undefined;
  if (require) {
    throw new InputError(
      `${target} has no gate, and gates are required (--require-gates, requireGates: true): nothing would watch the new version or roll it back.`,
      { hint: OPTIONS },
    );
  }
  if (plan.steps.length === 0) return undefined;
  return `${target} shifts traffic step by step with no gate: no alarm, smoke invocation, hook or metric analysis watches the new version, so nothing can roll it back before 100%. ${OPTIONS} --require-gates (requireGates: true) makes this an error.`;
}
