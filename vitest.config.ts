import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two test files at a time. vitest's default on a 2-core machine is one (cores - 1), and the slow
    // files mostly wait on moto, Terraform or a child CLI (a third to a half of one core busy), so one
    // at a time leaves the machine idle; two keep `npm test` within its 12 minutes as it grows.
    maxWorkers: 2,
    minWorkers: 1,
    // The default report, then the ten slowest test files (where the suite's time goes, in the CI log).
    reporters: ["default", "./test/support/slowest-reporter.ts"],
    // The SDK's "Node 22 from 2027" notice would repeat in every test process (the CLI silences it too).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
