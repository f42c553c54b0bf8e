/**
 * `npm run demo` (from the repository root): runs the story in `story.ts` and exits 0 only when it
 * happened as told. Ctrl-C stops the emulator, the local API and the load, and exits 130.
 */
// Before the SDK loads: its "Node 22 from 2027" notice is noise here (the CLI silences it too).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { runDemo } = await import("./story.js");

const controller = new AbortController();
process.once("SIGINT", () => {
  process.stderr.write("\nSIGINT: stopping the emulator, the local API and the load…\n");
  controller.abort("SIGINT");
});
const report = await runDemo({ signal: controller.signal });
process.exitCode = controller.signal.aborted ? 130 : report.ok ? 0 : 1;
