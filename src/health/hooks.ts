import { spawn } from "node:child_process";
import type { GateContext, GateVerdict, HealthGate } from "./gate.js";

export interface HookOptions {
  /** Kills the command (SIGTERM, then SIGKILL) and fails the gate after this long. */
  timeoutMs: number;
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

const TAIL_CHARS = 2_000;

/** What a hook command learns about the roll-out, besides the caller's own environment. */
export function hookEnvironment(context: GateContext): Record<string, string> {
  return {
    LAMBDA_ROLLOUT_FUNCTION: context.functionName,
    LAMBDA_ROLLOUT_ALIAS: context.aliasName,
    LAMBDA_ROLLOUT_NEW_VERSION: context.newVersion,
    LAMBDA_ROLLOUT_STABLE_VERSION: context.stableVersion,
    LAMBDA_ROLLOUT_WEIGHT: String(context.weight),
    LAMBDA_ROLLOUT_PHASE: context.phase,
  };
}

function lastLine(output: string): string {
  const lines = output.trim().split("\n");
  return (lines.at(-1) ?? "").slice(0, 300);
}

/** After SIGTERM, how long a hook gets before SIGKILL and a verdict without waiting any longer. */
const KILL_GRACE_MS = 2_000;
/**
 * After the command exits, how long to wait for the rest of its output. A background child can hold
 * the pipes open for as long as it lives (`server & exit 0`), so the verdict never waits for them.
 */
const DRAIN_MS = 200;

/**
 * A user command as a health gate, like CodeDeploy's BeforeAllowTraffic/AfterAllowTraffic hooks: run
 * through the shell with the roll-out in LAMBDA_ROLLOUT_* variables; exit 0 passes, anything else (or
 * the timeout) fails with the command's last line of output.
 *
 * The verdict comes from the shell's `exit`, not from the pipes closing; children it left in the
 * background are its own business. A timeout or an abort signals the whole process group and decides
 * the verdict after the kill grace even if something that escaped the group still holds the output.
 */
export function createHookGate(command: string, options: HookOptions): HealthGate {
  const name = `hook: ${command.length > 60 ? `${command.slice(0, 57)}...` : command}`;
  return {
    name,
    check: (context) =>
      new Promise<GateVerdict>((resolve) => {
        if (context.signal?.aborted) {
          resolve({ gate: name, status: "fail", detail: "not started: aborted" });
          return;
        }
        let output = "";
        let timedOut = false;
        let settled = false;
        const timers: NodeJS.Timeout[] = [];
        const child = spawn(command, {
          shell: true,
          cwd: options.cwd,
          env: { ...(options.env ?? process.env), ...hookEnvironment(context) },
          stdio: ["ignore", "pipe", "pipe"],
          // Its own process group, so a timeout or an abort stops the whole command line (`a && b`,
          // pipes), not just the shell that runs it.
          detached: true,
        });
        const collect = (chunk: Buffer) => {
          output = (output + chunk.toString()).slice(-TAIL_CHARS);
        };
        child.stdout?.on("data", collect);
        child.stderr?.on("data", collect);
        const signalGroup = (signal: NodeJS.Signals) => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, signal);
          } catch {
            // already gone
          }
        };
        const finish = (verdict: GateVerdict) => {
          if (settled) return;
          settled = true;
          for (const timer of timers) clearTimeout(timer);
          context.signal?.removeEventListener("abort", stop);
          // Our ends of the pipes: a descendant that still holds theirs must not keep us waiting.
          child.stdout?.destroy();
          child.stderr?.destroy();
          resolve(verdict);
        };
        const timeoutVerdict = (): GateVerdict => {
          const tail = lastLine(output);
          return {
            gate: name,
            status: "fail",
            detail: `timed out after ${Math.round(options.timeoutMs / 1000)} s${tail ? `: ${tail}` : ""}`,
          };
        };
        const exitVerdict = (code: number | null, signal: NodeJS.Signals | null): GateVerdict => {
          if (timedOut) return timeoutVerdict();
          const tail = lastLine(output);
          if (code === 0) return { gate: name, status: "pass", detail: tail || "exit 0" };
          return {
            gate: name,
            status: "fail",
            detail: `${code === null ? `killed by ${signal}` : `exit ${code}`}${tail ? `: ${tail}` : ""}`,
            data: { exitCode: code ?? undefined },
          };
        };
        function stop() {
          signalGroup("SIGTERM");
          timers.push(
            setTimeout(() => {
              signalGroup("SIGKILL");
              finish(
                timedOut
                  ? timeoutVerdict()
                  : { gate: name, status: "fail", detail: "killed: aborted (did not exit on SIGTERM)" },
              );
            }, KILL_GRACE_MS),
          );
        }
        timers.push(
          setTimeout(() => {
            timedOut = true;
            stop();
          }, options.timeoutMs),
        );
        context.signal?.addEventListener("abort", stop, { once: true });
        child.once("error", (error) =>
          finish({ gate: name, status: "fail", detail: `could not run: ${error.message}` }),
        );
        child.once("exit", (code, signal) => {
          // Output already written may still be in the pipes: take it if it comes soon.
          const decide = () => finish(exitVerdict(code, signal));
          child.once("close", decide);
          timers.push(setTimeout(decide, DRAIN_MS));
        });
      }),
  };
}
