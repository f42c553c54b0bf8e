import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { readInputs } from "../../action/inputs.js";
import { InputError } from "../../errors.js";
import { type DeployInputs, resolveDeploy } from "./request.js";

let dir: string;
const CONFIG = `
version: 1
environments:
  production:
    function: app-production
    region: eu-west-1
    strategy: Canary10Percent5Minutes
    manualApproval: true
    approvalTimeout: 30m
  staging:
    function: app-staging
    strategy: Canary10Percent5Minutes
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lr-approval-"));
  await writeFile(join(dir, "lambda-rollout.yml"), CONFIG);
});

const resolve = async (inputs: DeployInputs) => {
  const resolved = await resolveDeploy(
    { version: "2", ...inputs },
    { env: {}, cwd: dir, readText: (path) => readFile(path, "utf8") },
  );
  if (resolved.kind !== "deploy") throw new Error("expected a deploy");
  return resolved.request.manualApproval;
};

describe("manual approval from flags and configuration", () => {
  test("the configuration's manualApproval and approvalTimeout, with its region for the command", async () => {
    expect(await resolve({ env: "production" })).toEqual({ timeoutMs: 30 * 60_000, region: "eu-west-1" });
  });

  test("off unless asked; --manual-approval turns it on (default timeout), --approval-timeout sets it", async () => {
    expect(await resolve({ env: "staging" })).toBeUndefined();
    expect(await resolve({ env: "staging", manualApproval: true })).toEqual({
      timeoutMs: undefined,
      region: undefined,
    });
    expect(await resolve({ env: "staging", manualApproval: true, approvalTimeout: "2h" })).toEqual({
      timeoutMs: 2 * 3_600_000,
      region: undefined,
    });
    // The Action's "false" overrides the file for one run.
    expect(await resolve({ env: "production", manualApproval: false })).toBeUndefined();
  });

  test("--approval-timeout without manual approval is invalid input (exit 2), naming the fix", async () => {
    const error = await resolve({ env: "staging", approvalTimeout: "10m" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toContain("--approval-timeout was given without manual approval");
    expect((error as InputError).hint).toContain("--manual-approval");
    const bad = await resolve({ env: "staging", manualApproval: true, approvalTimeout: "soon" }).catch(
      (e: unknown) => e,
    );
    expect((bad as InputError).message).toContain('Invalid --approval-timeout "soon"');
  });

  test("Action inputs: manual-approval and approval-timeout, empty leaving the file's choice", () => {
    const inputs = (values: Record<string, string>) => readInputs((name) => values[name] ?? "");
    expect(inputs({ "manual-approval": "true", "approval-timeout": "45m" })).toMatchObject({
      manualApproval: true,
      approvalTimeout: "45m",
    });
    expect(inputs({ "manual-approval": "false" }).manualApproval).toBe(false);
    expect(inputs({}).manualApproval).toBeUndefined();
    expect(() => inputs({ "manual-approval": "yes" })).toThrow(/manual-approval must be true or false/);
  });
});
