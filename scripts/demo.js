#!/usr/bin/env node
// Thin launcher for `npm run demo` (which builds first): the demo itself is dist/local/demo.js.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { runDemo } = await import("../dist/local/demo.js");

const controller = new AbortController();
process.once("SIGINT", () => {
  process.stderr.write("\nSIGINT: stopping the emulator, the local API and the load…\n");
  controller.abort("SIGINT");
});
const report = await runDemo({ signal: controller.signal });
process.exitCode = controller.signal.aborted ? 130 : report.ok ? 0 : 1;
