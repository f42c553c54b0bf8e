/** Validation: every named CloudWatch alarm exists (in the function's region). */
import { InputError } from "../../errors.js";
import type { AlarmPort, AlarmState } from "../../ports.js";

/** Every named alarm must exist; returns their states (firing ones may be ignored, see firing-alarms.ts). */
export async function assertAlarmsExist(
  alarms: AlarmPort,
  names: string[],
  signal?: AbortSignal,
  /** The region named in the message (a release's functions). */
  region?: string | undefined,
): Promise<AlarmState[]> {
  const found = await alarms.describeAlarms(names, { signal });
  const missing = names.filter((name) => !found.some((alarm) => alarm.name === name));
  if (missing.length > 0) {
    throw new InputError(
      `CloudWatch alarm(s) not found${region ? ` (${region})` : ""}: ${missing.join(", ")}.`,
      {
        hint: "Check the names passed to --alarm (or the config's alarms) and the region; alarm names are case-sensitive.",
      },
    );
  }
  return found;
}
