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
    "version: 1\nenvironments:\n  production: { function: fn, strategy: Canary10Percent5Minutes, branches: [main] }\n" +
      "  staging: { function: fn, strategy: AllAtOnce, alarms: [fn-errors] }\n",
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
  // A plan with nothing before 100% can catch nothing: refused, saying why, before any emulator starts.
  [["rehearse", "--zip", "ok.zip", "--strategy", "AllAtOnce"], /The plan AllAtOnce has no step before 100%/],
  [
    ["rehearse", "--zip", "ok.zip", "--config", "lambda-rollout.yml", "--env", "staging"],
    /AllAtOnce has no step before 100%: every request reaches the new version at once/,
  ],
  // --handler is user input: a wrong one is exit 2 with a message, not an unexpected failure.
  [
    ["rehearse", "--zip", "ok.zip", "--handler", "main.handler"],
    /--handler main.handler: ok.zip holds no main.js/,
  ],
  [["rehearse", "--zip", "ok.zip", "--handler", "index"], /Invalid --handler "index": use FILE.EXPORT/],
  [["rehearse", "--zip", "ok.zip", "--function-env", "TABLE_NAME"], /Invalid --function-env "TABLE_NAME"/],
])("%j → exit 2", async (args, message) => {
  const result = await cli(args, { GITHUB_REF_NAME: "feature/x" });
  expect(result.stderr).toMatch(message);
  expect(result.code).toBe(2);
});
