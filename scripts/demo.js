// Thin launcher for `npm run demo` (`vite-node scripts/demo.js`): the demo runs from the TypeScript
// sources, because dist/ holds only what the npm package ships (the library and the CLI bundle).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { runDemo } = await import("../src/local/demo.ts");

const controller = new AbortController();
process.once("SIGINT", () => {
  process.stderr.write("\nSIGINT: stopping the emulator, the local API and the load…\n");
  controller.abort("SIGINT");
});
const report = await runDemo({ signal: controller.signal });
process.exitCode = controller.signal.aborted ? 130 : report.ok ? 0 : 1;
