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

/**
 * A user command as a health gate, like CodeDeploy's BeforeAllowTraffic/AfterAllowTraffic hooks: run
 * through the shell with the roll-out in LAMBDA_ROLLOUT_* variables; exit 0 passes, anything else (or
 * the timeout) fails with the command's last line of output.
 */
export function createHookGate(command: string, options: HookOptions): HealthGate {
  const name = `hook: ${command.length > 60 ? `${command.slice(0, 57)}...` : command}`;
  return {
    name,
    check: (context) =>
      new Promise<GateVerdict>((resolve) => {
        let output = "";
        let timedOut = false;
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
        const stop = () => {
          signalGroup("SIGTERM");
          setTimeout(() => signalGroup("SIGKILL"), 2_000).unref();
        };
        const timer = setTimeout(() => {
          timedOut = true;
          stop();
        }, options.timeoutMs);
        context.signal?.addEventListener("abort", stop, { once: true });
        const finish = (verdict: GateVerdict) => {
          clearTimeout(timer);
          context.signal?.removeEventListener("abort", stop);
          resolve(verdict);
        };
        child.once("error", (error) =>
          finish({ gate: name, status: "fail", detail: `could not run: ${error.message}` }),
        );
        child.once("close", (code, signal) => {
          const tail = lastLine(output);
          if (timedOut) {
            return finish({
              gate: name,
              status: "fail",
              detail: `timed out after ${Math.round(options.timeoutMs / 1000)} s${tail ? `: ${tail}` : ""}`,
            });
          }
          if (code === 0) return finish({ gate: name, status: "pass", detail: tail || "exit 0" });
          finish({
            gate: name,
            status: "fail",
            detail: `${code === null ? `killed by ${signal}` : `exit ${code}`}${tail ? `: ${tail}` : ""}`,
            data: { exitCode: code ?? undefined },
          });
        });
      }),
  };
}
