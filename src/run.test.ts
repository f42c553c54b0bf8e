import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../test/support/fakes.js";
import type { MetricsPort } from "./ports.js";
import type { StampedEvent } from "./rollout/events.js";
import { deployFromInputs } from "./run.js";

test("the configuration's metrics block becomes a metric gate, and its inconclusive policy the engine's", async () => {
  const dir = await mkdtemp(join(tmpdir(), "lr-run-"));
  await writeFile(
    join(dir, "lambda-rollout.yml"),
    [
      "version: 1",
      "environments:",
      "  production:",
      "    function: fn",
      '    steps: "10%:1m"',
      "    metrics: { errorRate: { max: 5 }, minInvocations: 10, inconclusive: fail, maxExtension: 2m }",
    ].join("\n"),
  );
  const lambda = new FakeLambda("fn", "live", { stableVersions: 2, aliasOn: "1" });
  const clock = new FakeClock();
  const start = clock.now();
  // Never enough invocations: inconclusive until the 2-minute extension runs out, then fail.
  const metrics: MetricsPort = { getMetrics: async () => ({}) };
  const events: StampedEvent[] = [];
  const result = await deployFromInputs(
    { env: "production", version: "2" },
    {
      cwd: dir,
      env: {},
      clock,
      emit: (event) => events.push(event),
      ports: () => ({ lambda, artifacts: new FakeArtifacts(), alarms: new FakeAlarms(), metrics }),
    },
  );
  expect(result).toMatchObject({ outcome: "rolled_back", exitCode: 1 });
  expect(result.reason).toContain('Health gate "metrics" stayed inconclusive at 10%');
  expect(events.some((e) => e.type === "gate" && e.verdict.gate === "metrics")).toBe(true);
  // the 1-minute bake plus the configured 2-minute extension (the default would be 5 minutes)
  expect(clock.now() - start).toBe(3 * 60_000);
  expect(lambda.alias.version).toBe("1");
  expect(lambda.alias.additional).toBeUndefined();
});
