/**
 * The README's quick start, run as written: its bash blocks, in order, in one shell, against the moto
 * it starts itself. Two things differ from a reader's run: the port (a free one instead of 5000), and
 * the tarball, which this test packs from the built dist/ into ../lambda-rollout/ as Install would.
 * Needs `npm run build` first, python3 with moto, and the aws CLI.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { npmEnv } from "../package/npm-env.js";
import { freePort } from "../support/moto.js";
import { codeBlocks, ROOT, read } from "./markdown.js";

const run = promisify(execFile);
const QUICK_START = "Quick start: your own function on the emulator";

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "lr-quick-start-"));
  // Install's `npm pack` in the clone, without building again (`npm test` built dist/).
  await mkdir(join(work, "lambda-rollout"));
  const { stdout } = await run(
    "npm",
    ["pack", "--json", "--ignore-scripts", "--pack-destination", join(work, "lambda-rollout")],
    { cwd: ROOT, env: npmEnv() },
  );
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  // The name the README's install commands use.
  expect(packed?.filename).toBe("lambda-rollout-0.1.0.tgz");
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

test("the README's quick start ends with a canary promoted and a bad version rolled back", async () => {
  const blocks = codeBlocks(read("README.md"), QUICK_START);
  expect(blocks).toHaveLength(4);
  const port = await freePort();
  const script = [
    // The test's only addition: the emulator the script starts is stopped whatever happens.
    "trap 'kill $MOTO_PID 2>/dev/null' EXIT",
    ...blocks.map((block) => block.replaceAll("5000", String(port))),
  ].join("\n");
  const env: NodeJS.ProcessEnv = { ...npmEnv(), npm_config_prefer_offline: "true", CI: "true" };
  for (const key of ["AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN", "GITHUB_REF_NAME"])
    delete env[key];
  const result = await run("bash", ["-c", script], { cwd: work, env, maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: { stdout: string; stderr: string; code: number }) => error,
  );
  const output = `${result.stdout}${result.stderr}`;
  // 3: the canary, from the alias Terraform-style on $LATEST (published as v1 first), promoted.
  expect(output).toContain("Published $LATEST as baseline v1; hello:live now points at it.");
  expect(output).toContain("step 1/2: 10% of traffic on v2 (v1 keeps 90%)");
  expect(output).toContain("result: promoted (hello:live v1 → v2)");
  // 4: the bad version, rolled back when its alarm fired.
  expect(output).toMatch(/result: rolled_back \(hello:live v2 → v3\)\n.*Health gate "alarms" failed at/);
  expect(output).toContain("deploy exit code: 1");
  expect(output).toContain("hello:live serves 100% v2; no roll-out in progress.");
}, 180_000);
