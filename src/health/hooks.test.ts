import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { GateContext } from "./gate.js";
import { createHookGate } from "./hooks.js";

const context: GateContext = {
  functionName: "fn",
  aliasName: "live",
  stableVersion: "3",
  newVersion: "4",
  weight: 0,
  phase: "pre-traffic",
  stepStartedAt: 0,
  now: 0,
};
const check = (command: string, timeoutMs = 10_000, extra: Partial<GateContext> = {}) =>
  createHookGate(command, { timeoutMs }).check({ ...context, ...extra });

describe("hook commands as gates", () => {
  test("exit 0 passes, with the last line of output as detail", async () => {
    expect(await check("echo checking; echo all 12 checks passed")).toMatchObject({
      status: "pass",
      detail: "all 12 checks passed",
    });
  });

  test("a non-zero exit fails with the code and the last line, stderr included", async () => {
    expect(await check("echo 'GET /?name=John%20Doe -> 500' >&2; exit 3")).toMatchObject({
      status: "fail",
      detail: "exit 3: GET /?name=John%20Doe -> 500",
      data: { exitCode: 3 },
    });
  });

  test("the roll-out is described in LAMBDA_ROLLOUT_* variables", async () => {
    const verdict = await check(
      'echo "$LAMBDA_ROLLOUT_FUNCTION:$LAMBDA_ROLLOUT_ALIAS $LAMBDA_ROLLOUT_STABLE_VERSION->$LAMBDA_ROLLOUT_NEW_VERSION $LAMBDA_ROLLOUT_WEIGHT% $LAMBDA_ROLLOUT_PHASE"',
      10_000,
      { weight: 100, phase: "post-traffic" },
    );
    expect(verdict.detail).toBe("fn:live 3->4 100% post-traffic");
  });

  test("a command that runs too long is killed and fails", async () => {
    const started = Date.now();
    const verdict = await check("echo started; sleep 30", 300);
    expect(verdict).toMatchObject({ status: "fail", detail: "timed out after 0 s: started" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("an abort (SIGTERM to lambda-rollout) stops the command", async () => {
    const controller = new AbortController();
    const pending = check("sleep 30", 60_000, { signal: controller.signal });
    setTimeout(() => controller.abort("SIGTERM"), 100);
    const verdict = await pending;
    expect(verdict.status).toBe("fail");
    expect(verdict.detail).toMatch(/killed by SIGTERM|exit 143/);
  });

  test("the verdict comes from the exit, not from a background child still holding the output", async () => {
    const started = Date.now();
    const verdict = await check("echo ready; sleep 6 & exit 0", 10_000);
    expect(verdict).toMatchObject({ status: "pass", detail: "ready" });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test("the output written just before exit is kept", async () => {
    const verdict = await check("printf 'line %s\\n' 1 2 3; echo 'last words' >&2; exit 4");
    expect(verdict).toMatchObject({ status: "fail", detail: "exit 4: last words" });
  });

  test("a timeout resolves even when a descendant escaped the process group and holds the output", async () => {
    const started = Date.now();
    const verdict = await check("echo started; setsid sleep 8 & sleep 30", 300);
    expect(verdict).toMatchObject({ status: "fail", detail: "timed out after 0 s: started" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("no hook starts after an abort", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hook-"));
    const marker = join(dir, "ran");
    const controller = new AbortController();
    controller.abort("SIGTERM");
    const verdict = await check(`touch '${marker}'`, 10_000, { signal: controller.signal });
    expect(verdict).toMatchObject({ status: "fail", detail: "not started: aborted" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(existsSync(marker)).toBe(false);
  });

  test("the gate is named after the command, shortened", () => {
    expect(createHookGate("npm run smoke", { timeoutMs: 1 }).name).toBe("hook: npm run smoke");
    expect(createHookGate("x".repeat(100), { timeoutMs: 1 }).name).toBe(`hook: ${"x".repeat(57)}...`);
  });
});
