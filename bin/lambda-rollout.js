#!/usr/bin/env node
// Thin launcher: signals become an AbortSignal (the engine rolls back), the result becomes the exit code.
import { run } from "../dist/cli.mjs";

// The SDK warns on every run that it will need Node 22 from 2027; lambda-rollout 0.1.x supports Node 20
// (README, Requirements), so the notice is noise in every CI log. Set the variable to "false" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const controller = new AbortController();
for (const name of ["SIGINT", "SIGTERM"]) {
  process.on(name, () => {
    if (controller.signal.aborted) {
      process.stderr.write(`\n${name} again: still restoring the alias, please wait.\n`);
      return;
    }
    process.stderr.write(`\n${name} received: rolling back.\n`);
    controller.abort(name);
  });
}

process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
