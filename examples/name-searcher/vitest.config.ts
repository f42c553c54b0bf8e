// The example's own test settings, so `npm test` here runs with this project's vitest, not the
// repository root's configuration (which a fresh clone has no node_modules for).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
