import { InputError } from "../errors.js";

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/**
 * The longest wait a Node.js timer can hold: setTimeout fires at once (with a warning) for more than
 * 2^31-1 ms, about 24.8 days, so a longer bake would end immediately instead of baking.
 */
export const MAX_DURATION_MS = 2_147_483_647;
/** The same limit as users write it: the whole hours that fit. */
export const MAX_DURATION_TEXT = `${Math.floor(MAX_DURATION_MS / 3_600_000)}h`;

/** The InputError for a duration beyond MAX_DURATION_MS; `what` names the flag or key. */
export function durationTooLong(what: string): InputError {
  return new InputError(
    `Invalid ${what}: durations are limited to ${MAX_DURATION_TEXT} (about 24.8 days, the longest a timer can wait).`,
    { hint: `Use a duration of at most ${MAX_DURATION_TEXT}.` },
  );
}

/** Parses `Ns`, `Nm`, `Nh` (and `Nms`, for tests and tight local loops) into milliseconds. */
export function parseDuration(text: string, what = "duration"): number {
  const match = PATTERN.exec(text.trim());
  if (!match) {
    throw new InputError(`Invalid ${what} "${text}".`, {
      hint: 'Write a number followed by a unit: "30s", "5m" or "1h".',
    });
  }
  const ms = Number(match[1]) * (UNITS[match[2] as string] as number);
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new InputError(`Invalid ${what} "${text}": it must be greater than zero.`, {
      hint: 'Use a positive duration such as "30s" or "5m".',
    });
  }
  const rounded = Math.round(ms);
  if (rounded > MAX_DURATION_MS) throw durationTooLong(`${what} "${text}"`);
  return rounded;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  if (ms > 1_000) return `${(ms / 1_000).toFixed(1)}s`;
  return `${ms}ms`;
}

/** `m:ss` (or `h:mm:ss`): time since a roll-out's start, as the job summary and the report show it. */
export function clockText(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
