import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strToU8, zipSync } from "fflate";
import { beforeAll, expect, test } from "vitest";
import { runCli } from "../../src/cli/main.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lr-rehearse-cli-"));
  await writeFile(join(dir, "fn.zip"), "not a zip");
  await writeFile(
    join(dir, "ok.zip"),
    zipSync({ "index.js": strToU8("exports.handler = async () => ({});") }),
  );
  await writeFile(
    join(dir, "lambda-rollout.yml"),
    "version: 1\nenvironments:\n  production: { function: fn, strategy: Canary10Percent5Minutes, branches: [main] }\n",
  );
});

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: () => true },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    cwd: dir,
  });
  return { code, stderr };
}

// Bad input is rejected before the emulator starts: these return at once.
test.each([
  [["rehearse", "--zip", "missing.zip"], /Cannot read --zip missing.zip/],
  [["rehearse", "--zip", "fn.zip"], /fn.zip is not a valid zip archive/],
  [["rehearse", "--zip", "fn.zip", "--env", "qa"], /Unknown environment "qa"/],
  [
    ["rehearse", "--zip", "fn.zip", "--config", "lambda-rollout.yml"],
    /Branch "feature\/x" deploys to no environment/,
  ],
  [["rehearse", "--zip", "fn.zip", "--steps", "50%:1m,10%:1m"], /strictly increase/],
  [["rehearse", "--zip", "ok.zip", "--error-rate", "150"], /--error-rate/],
])("%j → exit 2", async (args, message) => {
  const result = await cli(args, { GITHUB_REF_NAME: "feature/x" });
  expect(result.stderr).toMatch(message);
  expect(result.code).toBe(2);
});
