import { expect, test } from "vitest";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "../../test/support/fakes.js";
import { type ActionHost, runAction } from "./run.js";

/** The Action against in-memory AWS on fake time: a roll-out that waits for approval nobody gives. */
test("the Action announces the wait with the exact approve command, and its summary keeps it", async () => {
  const lambda = new FakeLambda("fn", "live", { stableVersions: 2, aliasOn: "1" });
  const inputs: Record<string, string> = {
    function: "fn",
    version: "2",
    steps: "10%:1m",
    interval: "1m",
    "manual-approval": "true",
    "approval-timeout": "3m",
    region: "eu-west-1",
  };
  const notices: { message: string; title?: string | undefined }[] = [];
  const summaries: string[] = [];
  const host: ActionHost = {
    readInput: (name) => inputs[name] ?? "",
    info: () => {},
    notice: (message, title) => notices.push({ message, title }),
    warning: () => {},
    error: () => {},
    setOutput: () => {},
    writeSummary: async (markdown) => {
      summaries.push(markdown);
    },
  };
  const code = await runAction(host, {
    env: {},
    cwd: "/",
    clock: new FakeClock(),
    ports: () => ({
      lambda,
      artifacts: new FakeArtifacts(),
      alarms: new FakeAlarms(),
      metrics: { getMetrics: async () => ({}) },
    }),
  });
  expect(code).toBe(1);
  expect(lambda.alias).toMatchObject({ version: "1", additional: undefined });
  const command = "lambda-rollout approve --function fn --alias live --region eu-west-1";
  expect(notices[0]?.title).toBe("fn:live is awaiting manual approval at 10% on v2");
  expect(notices[0]?.message).toContain(`Approve: ${command}`);
  expect(notices[0]?.message).toContain(
    "Stop: lambda-rollout rollback --function fn --alias live --region eu-west-1",
  );
  const summary = summaries.join("");
  expect(summary).toContain(`**Manual approval:** from +1:00, waited until`);
  expect(summary).toContain(`approve with \`${command}\``);
  expect(summary).toContain("| awaiting approval | 10% |");
  expect(summary).toContain("No approval within 3m (--approval-timeout)");
});
