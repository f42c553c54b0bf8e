#!/usr/bin/env node
// Thin launcher for `npm run demo` (which builds first): the demo itself is dist/local/demo.js.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { runDemo } = await import("../dist/local/demo.js");
const report = await runDemo();
process.exitCode = report.ok ? 0 : 1;
