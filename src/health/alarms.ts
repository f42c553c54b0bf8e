import type { AlarmPort } from "../ports.js";
import type { GateContext, GateVerdict, HealthGate } from "./gate.js";

export type ReadFailurePolicy = "fail" | "ignore";

/**
 * Fails when any named CloudWatch alarm is in ALARM. INSUFFICIENT_DATA passes, as in CodeDeploy: alarms
 * on a fresh version often have no data yet. An alarm that cannot be read fails unless told otherwise.
 */
export function createAlarmGate(
  alarms: AlarmPort,
  names: string[],
  onReadFailure: ReadFailurePolicy,
  firingAtStart: readonly string[] = [],
): HealthGate {
  // Alarms already in ALARM when the roll-out started, ignored as asked (`alarmsAlreadyFiring: ignore`).
  // One that is seen out of ALARM (OK or INSUFFICIENT_DATA) is no longer ignored: if it fires again, it
  // fires about this roll-out, so it gates like any other alarm from then on.
  const ignored = new Set(firingAtStart);
  return {
    name: "alarms",
    async check(context?: GateContext): Promise<GateVerdict> {
      let states: Awaited<ReturnType<AlarmPort["describeAlarms"]>>;
      try {
        states = await alarms.describeAlarms(names, { signal: context?.signal });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return onReadFailure === "ignore"
          ? { gate: "alarms", status: "pass", detail: `alarms unreadable, ignored as configured: ${message}` }
          : { gate: "alarms", status: "fail", detail: `alarms could not be read: ${message}` };
      }
      const missing = names.filter((name) => !states.some((state) => state.name === name));
      for (const state of states) if (state.state !== "ALARM") ignored.delete(state.name);
      const firing = states.filter((state) => state.state === "ALARM" && !ignored.has(state.name));
      const still = states.filter((state) => state.state === "ALARM" && ignored.has(state.name));
      const note =
        still.length > 0
          ? `; ignoring ${still.map((s) => s.name).join(", ")} (in ALARM since before the roll-out)`
          : "";
      if (firing.length > 0) {
        const list = firing.map((s) => (s.reason ? `${s.name} (${s.reason})` : s.name)).join("; ");
        return { gate: "alarms", status: "fail", detail: `in ALARM: ${list}${note}` };
      }
      if (missing.length > 0 && onReadFailure === "fail") {
        return { gate: "alarms", status: "fail", detail: `alarm not found: ${missing.join(", ")}` };
      }
      return {
        gate: "alarms",
        status: "pass",
        detail: `${names.length - still.length} alarm(s) not in ALARM${note}`,
      };
    },
  };
}
