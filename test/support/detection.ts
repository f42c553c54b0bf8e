import { strToU8, zipSync } from "fflate";
import type { RehearseOptions } from "../../src/local/fault-rehearsal.js";
import { buildPlan } from "../../src/plan/plan.js";

/**
 * The issue 6 detection scenario, shared by its test (test/e2e/demo.test.ts, which asserts the target)
 * and its benchmark (bench/detection.bench.ts, which prints the figures): a 10% canary, 20 requests/s,
 * 20% errors on the new version, metric gate errorRate.max 5%, minInvocations 20, period 5 s.
 */
export function detectionScenario(intervalMs: number): RehearseOptions {
  return {
    zip: zipSync({
      "index.js": strToU8("exports.handler = async () => ({ statusCode: 200, body: 'ok' });"),
    }),
    handler: "index.handler",
    plan: buildPlan({ steps: "10%:60s" }),
    gate: {
      periodSeconds: 5,
      minInvocations: 20,
      errorRate: { max: 0.05 },
      inconclusive: "fail",
      maxExtensionMs: 0,
    },
    errorRate: 0.2,
    ratePerSecond: 20,
    intervalMs,
  };
}
