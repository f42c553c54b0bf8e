import { expect, test } from "vitest";
import { interruptionLine } from "./interruption.js";

test("the signal line never claims a rollback: a followed Step Functions execution carries on", () => {
  for (const again of [false, true]) {
    const line = interruptionLine("SIGTERM", again);
    expect(line).toMatch(/^SIGTERM /);
    expect(line).not.toMatch(/rolling back/);
  }
  expect(interruptionLine("SIGINT")).toContain("a Step Functions execution it follows carries on");
});
