/**
 * Drives a rehearsal's alarms from what the alias answers, as CloudWatch would evaluate an alarm on
 * the alias's Lambda errors with a threshold of one: ALARM while the alias answered at least one error
 * (a 5xx, or no answer) within the last period, OK otherwise. The emulator stores alarms but never
 * evaluates them, so without this a rehearsal could not prove that the configured alarms catch anything.
 */
import type { Clock } from "../ports.js";
import type { AlarmWriterPort } from "./ports.js";
import type { ResponseLog } from "./response-log.js";

export interface AlarmDriverOptions {
  names: string[];
  functionName: string;
  aliasName: string;
  /** The window errors are counted in, and the alarm's period. */
  periodMs: number;
  /** How often the window is evaluated; default 1 s (the local metrics flush). */
  everyMs?: number | undefined;
  writer: AlarmWriterPort;
  responses: ResponseLog;
  clock: Clock;
}

/** Errors the alias answered in (since, now]: 5xx or no answer, whichever version served them. */
export function errorsSince(responses: ResponseLog, since: number): number {
  let errors = 0;
  for (let i = responses.samples.length - 1; i >= 0; i--) {
    const sample = responses.samples[i];
    if (sample === undefined || sample.at <= since) break;
    if (sample.status >= 500 || sample.status === 0) errors += 1;
  }
  return errors;
}

/** Creates the alarms (OK) and evaluates them until `stop()`; state changes are written at once. */
export async function startAlarmDriver(options: AlarmDriverOptions): Promise<{ stop(): Promise<void> }> {
  const period = Math.round(options.periodMs / 1000);
  for (const name of options.names) {
    await options.writer.create(name, {
      functionName: options.functionName,
      aliasName: options.aliasName,
      periodSeconds: period,
    });
    await options.writer.setState(name, "OK", "created by the rehearsal");
  }
  let state: "OK" | "ALARM" = "OK";
  const stopping = new AbortController();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      await options.clock.sleep(options.everyMs ?? 1000, stopping.signal);
      if (stopping.signal.aborted) break;
      const errors = errorsSince(options.responses, options.clock.now() - options.periodMs);
      const next = errors >= 1 ? "ALARM" : "OK";
      if (next === state) continue;
      state = next;
      const reason =
        next === "ALARM"
          ? `rehearsal: the alias answered ${errors} error(s) in the last ${period} s (threshold 1)`
          : `rehearsal: no error in the last ${period} s`;
      for (const name of options.names)
        await options.writer.setState(name, next, reason).catch(() => undefined);
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
