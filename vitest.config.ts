import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The default report, then the ten slowest test files (where the suite's time goes, in the CI log).
    reporters: ["default", "./test/support/slowest-reporter.ts"],
    // The SDK's "Node 22 from 2027" notice would repeat in every test process (the CLI silences it too).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
