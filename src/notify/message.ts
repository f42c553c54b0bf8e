/**
 * Which engine events become notifications, and what each says: structured fields plus a one-line
 * `text`, so a Slack-style incoming webhook shows it as is. Built from a fixed list of fields per event,
 * never by copying the event: smoke payloads, function responses, hook output, the environment and
 * credentials have no way in.
 */
import { describePlan, type Plan } from "../plan/plan.js";
import type { StampedEvent } from "../rollout/events.js";

export type Scalar = string | number | boolean | null;

/** The JSON POSTed to a webhook. */
export interface Notification {
  /** The engine event's `type` (`plan` marks the start), as in `--json` output. */
  event: string;
  /** One line for people (Slack's `text`). */
  text: string;
  function: string | null;
  alias: string | null;
  /** ISO 8601 time of the event. */
  at: string;
  [field: string]: Scalar;
}

/** What the notifier remembers between events: the target named by the last `plan`. */
export interface Target {
  function: string | null;
  alias: string | null;
}

type Event = Record<string, unknown>;

interface Rule {
  fields(event: Event): Record<string, Scalar>;
  text(event: Event, target: string): string;
}

const str = (event: Event, key: string): string | null => {
  const value = event[key];
  return typeof value === "string" ? value : null;
};
const num = (event: Event, key: string): number | null => {
  const value = event[key];
  return typeof value === "number" ? value : null;
};

/**
 * A reason without what follows a failed gate's name: the detail of a smoke check is the function's
 * response, a hook's is its output, and a hook's name is its command line. The log has them in full.
 */
export function safeReason(reason: string | null): string | null {
  if (reason === null) return null;
  const line = reason.split("\n")[0] ?? "";
  const gate =
    /^Health gate "(.*?)" ((?:failed at [\d.]+% \([a-z-]+\))|(?:stayed inconclusive at [\d.]+%)):/.exec(line);
  if (gate) {
    const name = (gate[1] ?? "").startsWith("hook: ") ? "hook" : gate[1];
    return `Health gate "${name}" ${gate[2]} (details in the deploy's log)`;
  }
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** Scalar fields of an event this module does not know yet (generic), minus anything payload-like. */
const UNSAFE_KEY = /payload|body|output|response|env|secret|token|password|credential|header|command/i;

function genericFields(event: Event): Record<string, Scalar> {
  const fields: Record<string, Scalar> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === "type" || key === "at" || UNSAFE_KEY.test(key)) continue;
    if (typeof value === "string") fields[key] = safeReason(value);
    else if (typeof value === "number" || typeof value === "boolean" || value === null) fields[key] = value;
  }
  return fields;
}

/**
 * The event types that notify. `awaiting_approval` (manual approval before 100%) is listed ahead of the
 * engine emitting it; it then notifies with its own scalar fields, and `approve` command when it has one.
 */
export const NOTIFYING_EVENTS: Readonly<Record<string, Rule>> = {
  plan: {
    fields: (event) => ({ plan: describePlan(event.plan as Plan) }),
    text: (event, target) => `🚀 ${target}: roll-out started (${describePlan(event.plan as Plan)})`,
  },
  shift: {
    fields: (event) => ({
      fromVersion: str(event, "fromVersion"),
      toVersion: str(event, "toVersion"),
      weight: num(event, "weight"),
      step: num(event, "step"),
      steps: num(event, "steps"),
    }),
    text: (event, target) =>
      `↗️ ${target}: step ${num(event, "step")}/${num(event, "steps")}, ${num(event, "weight")}% of traffic on v${str(event, "toVersion")}`,
  },
  rollback: {
    fields: (event) => ({
      reason: safeReason(str(event, "reason")),
      version: str((event.routing ?? {}) as Event, "version"),
    }),
    text: (event, target) =>
      `↩️ ${target}: rolling back to v${str((event.routing ?? {}) as Event, "version")}: ${safeReason(str(event, "reason"))}`,
  },
  awaiting_approval: {
    fields: genericFields,
    text: (event, target) => {
      // The exact approve command is ours (function and alias names), not user text: safe to show.
      const command = str(event, "command") ?? str(event, "approveCommand");
      return `⏸️ ${target}: waiting for approval before 100%${command ? `; to continue: ${command}` : ""}`;
    },
  },
  result: {
    fields: (event) => ({
      outcome: str(event, "outcome"),
      fromVersion: str(event, "fromVersion"),
      toVersion: str(event, "toVersion"),
      reason: safeReason(str(event, "reason")),
      hint: safeReason(str(event, "hint")),
      exitCode: num(event, "exitCode"),
    }),
    text: (event, target) => {
      const outcome = str(event, "outcome");
      const reason = safeReason(str(event, "reason"));
      const to = str(event, "toVersion");
      const from = str(event, "fromVersion");
      if (outcome === "promoted") return `✅ ${target}: promoted v${to} (was v${from})`;
      if (outcome === "noop") return `➖ ${target}: nothing to deploy${reason ? ` (${reason})` : ""}`;
      // A detached Step Functions roll-out goes on in AWS; its end is not this process's to report.
      if (outcome === "started")
        return `🛰️ ${target}: v${to} is rolling out in AWS${reason ? ` (${reason})` : ""}`;
      if (outcome === "rolled_back") return `↩️ ${target}: rolled back to v${from}: ${reason}`;
      return `❌ ${target}: failed (exit ${num(event, "exitCode")}): ${reason}`;
    },
  },
};

/** The notification for an event, or undefined when its type does not notify. */
export function notificationOf(stamped: StampedEvent, target: Target): Notification | undefined {
  const event = stamped as unknown as Event;
  const rule = NOTIFYING_EVENTS[String(event.type)];
  if (rule === undefined || !Object.hasOwn(NOTIFYING_EVENTS, String(event.type))) return undefined;
  const fn = str(event, "function") ?? target.function;
  const alias = str(event, "alias") ?? target.alias;
  const name = fn ? `${fn}${alias ? `:${alias}` : ""}` : "lambda-rollout";
  return {
    ...rule.fields(event),
    event: String(event.type),
    text: rule.text(event, name),
    function: fn,
    alias,
    at: new Date(typeof event.at === "number" ? event.at : Date.now()).toISOString(),
  };
}
