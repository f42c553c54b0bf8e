/**
 * Entry point of the bundled Action (action/dist/index.js). Signals become an AbortSignal so a
 * cancelled workflow rolls the alias back (a followed execution carries on), as the CLI launcher does.
 */
import * as core from "@actions/core";
import { interruptionLine } from "../cli/output/interruption.js";
import { ExitCode } from "../errors.js";
import { inertLogText } from "./escape.js";
import { githubHost } from "./host.js";
import { runAction } from "./run.js";

// The SDK's Node-version notice is noise in every job log (same choice as bin/lambda-rollout.js).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const controller = new AbortController();
for (const name of ["SIGINT", "SIGTERM"] as const) {
  process.on(name, () => {
    if (!controller.signal.aborted) process.stdout.write(`${interruptionLine(name)}\n`);
    controller.abort(name);
  });
}

try {
  process.exitCode = await runAction(githubHost(), {
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  });
} catch (error) {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  core.error(inertLogText(message), { title: "lambda-rollout: unexpected failure" });
  process.exitCode = ExitCode.awsError;
}
