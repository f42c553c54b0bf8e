import { versionLabel } from "../../rollout/engine/alias-writer.js";
import type { StampedEvent } from "../../rollout/events.js";
import { inertJson } from "../../workflow-text.js";
import type { OutputStream } from "../io.js";
import { functionPrefix, ReleaseRows } from "./release-view.js";

/** One human line per event, or undefined for events that only update the live view. */
export function describeEvent(event: StampedEvent): string | undefined {
  switch (event.type) {
    case "plan":
      return `${event.dryRun ? "Dry run: " : ""}deploying to ${event.function}:${event.alias}`;
    case "info":
      return event.message;
    case "warning":
      return `warning: ${event.message}`;
    case "artifact":
      return event.uploaded
        ? `uploaded s3://${event.bucket}/${event.key} (${event.bytes} bytes${event.reason ? `; ${event.reason}` : ""})`
        : `package already in s3://${event.bucket}/${event.key}; upload skipped`;
    case "published":
      return `published v${event.version} (CodeSha256 ${event.codeSha256})`;
    case "activating":
      return `v${event.version} is ${event.state}: execution environments starting on ${event.capacityProvider} (${countdown(event.waitedMs)} of up to ${countdown(event.timeoutMs)})`;
    case "gate": {
      const mark = event.verdict.status === "pass" ? "ok" : event.verdict.status;
      return `gate ${event.verdict.gate} [${event.phase}, ${event.weight}%]: ${mark} — ${event.verdict.detail}`;
    }
    case "shift":
      return event.weight === 100
        ? `step ${event.step}/${event.steps}: 100% of traffic on v${event.toVersion}`
        : `step ${event.step}/${event.steps}: ${event.weight}% of traffic on v${event.toVersion} (v${event.fromVersion} keeps ${Number((100 - event.weight).toFixed(2))}%)`;
    case "bake":
      return undefined;
    case "rollback":
      return `rolling back to 100% v${event.routing.version}: ${event.reason}`;
    case "awaiting_approval":
      return [
        `awaiting manual approval at ${event.weight}% on v${event.toVersion}, until ${event.until} (then it rolls back)`,
        `  approve: ${event.approveCommand}`,
        `  stop:    ${event.rollbackCommand}`,
      ].join("\n");
    case "approved":
      return `approval seen; promoting v${event.version}`;
    case "promoted":
      return `promoted v${event.version} to 100%`;
    case "wave":
      return `wave ${event.wave}/${event.waves} (${event.regions.join(", ")}): ${event.functions.join(", ")}`;
    case "result": {
      const versions = event.toVersion
        ? ` ${versionLabel(event.fromVersion ?? "?")} → ${versionLabel(event.toVersion)}`
        : "";
      // Before the alias is known (bad input), the target is the function alone, not `fn:`.
      const name = event.alias ? `${event.function}:${event.alias}` : event.function;
      const target = event.function ? ` (${name}${versions})` : "";
      // A dry run's outcome stays `noop` (the contract), and the line says it was a dry run.
      if (event.dryRun) return `result: noop${target} — dry run: nothing was changed`;
      return [`result: ${event.outcome}${target}`, event.reason, event.hint].filter(Boolean).join("\n");
    }
  }
}

/**
 * The log lines of one event, each with the `[function region] ` prefix when it is about one function
 * of a release; no time stamp. The CLI's plain log and live view, and the Action's log, print these.
 */
export function plainLines(event: StampedEvent): string[] | undefined {
  const text = describeEvent(event);
  if (text === undefined) return undefined;
  const prefix = functionPrefix(event);
  return text.split("\n").map((line) => `${prefix}${line}`);
}

/** Plain timestamped lines: what CI logs and pipes get. */
export function plainRenderer(out: OutputStream): (event: StampedEvent) => void {
  return (event) => {
    const stamp = new Date(event.at).toISOString();
    for (const line of plainLines(event) ?? []) out.write(`${stamp} ${line}\n`);
  };
}

/** NDJSON: one event per line on stdout, the `result` line last. */
export function ndjsonRenderer(out: OutputStream): (event: StampedEvent) => void {
  return (event) => {
    out.write(`${inertJson(JSON.stringify(event))}\n`);
  };
}

function countdown(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

const CLEAR_LINE = "\r\x1b[2K";

/**
 * A live view for terminals: event lines scroll above one status line that shows the step, the current
 * weight, the bake countdown and the last gate results, redrawn every second. Passing checks during a
 * bake only update the status line, so the scrollback keeps what changed.
 */
export function ttyRenderer(
  out: OutputStream,
  now: () => number = Date.now,
): {
  render: (event: StampedEvent) => void;
  close: () => void;
} {
  let weight = 0;
  let step = "";
  let bakeEndsAt: number | undefined;
  let approvalEndsAt: number | undefined;
  let gates = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  const release = new ReleaseRows();
  /** Lines the status block takes on screen now (a release shows one row per function). */
  let drawn = 1;
  const clearStatus = () => {
    // Up to the first line of the block, clearing each line on the way.
    let clear = CLEAR_LINE;
    for (let line = 1; line < drawn; line++) clear += "\x1b[1A\x1b[2K";
    drawn = 1;
    return clear;
  };
  const status = () => {
    const parts = [`${step}weight ${weight}%`];
    if (bakeEndsAt !== undefined) parts.push(`bake ${countdown(bakeEndsAt - now())} left`);
    if (approvalEndsAt !== undefined)
      parts.push(`awaiting approval, ${countdown(approvalEndsAt - now())} left`);
    if (gates.size > 0) parts.push([...gates].map(([gate, state]) => `${gate} ${state}`).join(", "));
    return parts.join(" · ");
  };
  const draw = () => {
    const lines = release.active ? [...release.lines(), status()] : [status()];
    const clear = clearStatus();
    drawn = lines.length;
    out.write(`${clear}\x1b[1m${lines.join("\n")}\x1b[22m`);
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  return {
    render(event) {
      release.update(event);
      if (event.type === "shift") {
        weight = event.weight;
        step = `step ${event.step}/${event.steps} · `;
        gates = new Map();
      }
      if (event.type === "bake") {
        bakeEndsAt = event.at + event.remainingMs;
        if (!timer) {
          timer = setInterval(draw, 1000);
          timer.unref();
        }
      }
      if (event.type === "awaiting_approval") {
        bakeEndsAt = undefined;
        approvalEndsAt = Date.parse(event.until);
        timer ??= setInterval(draw, 1000);
        timer.unref();
      }
      if (event.type === "approved") approvalEndsAt = undefined;
      if (event.type === "gate")
        gates.set(event.verdict.gate, event.verdict.status === "pass" ? "ok" : event.verdict.status);
      if (event.type === "shift" || event.type === "rollback" || event.type === "result") {
        bakeEndsAt = undefined;
        approvalEndsAt = undefined;
      }
      const quiet =
        event.type === "gate" &&
        (event.phase === "bake" || event.phase === "awaiting-approval") &&
        event.verdict.status === "pass";
      const lines = quiet ? undefined : plainLines(event);
      if (lines !== undefined) {
        const time = new Date(event.at).toLocaleTimeString();
        out.write(`${clearStatus()}${lines.map((line) => `${time} ${line}`).join("\n")}\n`);
      }
      if (event.type === "result") stop();
      else draw();
    },
    close() {
      stop();
      out.write(clearStatus());
    },
  };
}
