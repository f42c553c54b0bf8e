#!/usr/bin/env node
// Thin launcher: signals become an AbortSignal (a local roll-out rolls back, a followed execution carries
// on), the result becomes the exit code.
// Nothing that happens to this process's output or terminal may cut a roll-out short: the alias must
// end whole whatever the console does.
import { brokenInstallMessage } from "./broken-install.js";

// The SDK warns on every run that it will need Node 22 from 2027; lambda-rollout 0.1.x supports Node 20
// (docs/guides/ci-and-terraform.md, Node.js versions), so the notice is noise in every CI log. Set the variable to "false" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// Loaded in a try: a missing or half-written dist/ (a source checkout never built, an install cut short,
// a build running) must not die in Node's loader with exit 1, which every CI script reads as "rolled back".
let cli;
try {
  cli = await import("../dist/cli.mjs");
} catch (error) {
  process.stderr.write(brokenInstallMessage(error));
  process.exitCode = 4;
}
if (cli) await main(cli);

/** @param {typeof import("../dist/cli.mjs")} cli */
async function main({ runCli, crashLine, interruptionLine }) {
  const controller = new AbortController();

  /** A write to a closed pipe (`deploy --json | head`) or a vanished terminal must not kill the run. */
  function guardStream(stream) {
    let broken = false;
    stream.on("error", () => {
      broken = true;
    });
    const write = stream.write.bind(stream);
    stream.write = (chunk, ...rest) => {
      if (broken || stream.destroyed) return true;
      try {
        return write(chunk, ...rest);
      } catch {
        broken = true;
        return true;
      }
    };
  }
  guardStream(process.stdout);
  guardStream(process.stderr);

  for (const name of ["SIGINT", "SIGTERM"]) {
    process.on(name, () => {
      // A followed Step Functions execution is not rolled back: only the following stops (server-side.ts).
      process.stderr.write(`\n${interruptionLine(name, controller.signal.aborted)}\n`);
      controller.abort(name);
    });
  }
  // The terminal went away (an SSH session closed): the roll-out carries on to its end, promoted or
  // rolled back by its gates, exactly as it would have with someone watching.
  process.on("SIGHUP", () => {
    process.stderr.write("\nSIGHUP received: the terminal is gone; the roll-out continues unattended.\n");
  });

  // A bug anywhere must not leave the alias split: stop the roll-out and let it restore the alias.
  const debug = process.argv.includes("--debug");
  function onCrash(error) {
    // Outside text (an error's message) is made inert for a GitHub Actions log, as all output is.
    process.stderr.write(crashLine(error, { debug, env: process.env }));
    if (!controller.signal.aborted) controller.abort("unexpected failure");
  }
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);

  // The exit code is the result line's: a crash stops the roll-out, and the result says how it ended.
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  });
}
