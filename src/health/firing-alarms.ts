/**
 * `--allow-firing-alarms` (`alarmsAlreadyFiring: ignore`): a production alarm already in ALARM would
 * otherwise block the very hotfix that fixes it. Those alarms are recorded at the start and ignored
 * until they leave ALARM (alarms.ts); the others gate as usual. With the alarms partly blind, something
 * else must judge the new version itself, so the option requires smoke invocations, a hook or the
 * metric analysis (or a library user's own gate).
 */
import { InputError } from "../errors.js";
import type { HealthGate } from "./gate.js";
import type { GateSpecs } from "./gates.js";

/** The gates that judge the new version itself, named for messages; empty when there are none. */
export function versionJudges(specs: GateSpecs, custom: HealthGate[] = []): string[] {
  return [
    (specs.smoke?.length ?? 0) > 0 ? "smoke invocations" : "",
    (specs.hooks?.preTraffic?.length ?? 0) + (specs.hooks?.postTraffic?.length ?? 0) > 0 ? "hooks" : "",
    specs.metrics ? "metric analysis" : "",
    ...custom.map((gate) => `gate "${gate.name}"`),
  ].filter(Boolean);
}

/** Exit 2 when firing alarms are to be ignored and nothing else would judge the new version. */
export function assertFiringAlarmsAllowed(specs: GateSpecs, custom: HealthGate[] = []): void {
  if (specs.alarmsAlreadyFiring !== "ignore" || versionJudges(specs, custom).length > 0) return;
  throw new InputError(
    "--allow-firing-alarms (alarmsAlreadyFiring: ignore) needs a gate that judges the new version itself; with none, an alarm already firing would leave the roll-out unwatched.",
    {
      hint: "Add --smoke-payload JSON (smoke: in the configuration), --pre-traffic-hook/--post-traffic-hook COMMAND (hooks:), or metrics: for the environment.",
    },
  );
}

/** The plain warning when some alarms are ignored. */
export function firingAlarmsWarning(firing: string[], judges: string[]): string {
  return `Already in ALARM before the roll-out, ignored as asked (--allow-firing-alarms): ${firing.join(", ")}. They do not block it while they stay in ALARM; once one leaves ALARM it gates again. The new version is judged by ${judges.join(", ")} and the other alarms.`;
}
