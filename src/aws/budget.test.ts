import { describe, expect, it } from "vitest";
import { FakeClock } from "../../test/support/fakes.js";
import { InputError } from "../errors.js";
import { deployFromInputs } from "../run.js";
import { parseMaxRps, SlidingWindowLimiter, sharedBudget } from "./budget.js";
import { AwsCaller } from "./retry.js";

describe("the control-plane budget", () => {
  it("grants at most N requests in any window, however many callers ask at once", async () => {
    const clock = new FakeClock({ advance: false });
    const limiter = new SlidingWindowLimiter(10, clock, 1_000);
    await Promise.all(Array.from({ length: 25 }, () => limiter.take()));
    // 10 at once, then 10 one window later, then 5 two windows later.
    expect(clock.sleeps.sort((a, b) => a - b)).toEqual([...Array(10).fill(1_000), ...Array(5).fill(2_000)]);
  });

  it("is one limiter per account and region, shared by every adapter that asks", () => {
    const a = sharedBudget("key-1", "eu-west-1", 10);
    expect(sharedBudget("key-1", "eu-west-1", 10)).toBe(a);
    expect(sharedBudget("key-1", "us-east-1", 10)).not.toBe(a);
    expect(sharedBudget("key-2", "eu-west-1", 10)).not.toBe(a);
    expect(a.getFunction).not.toBe(a.controlPlane);
  });

  it("counts GetFunction against its own budget and the rest against the control plane's", async () => {
    const taken: string[] = [];
    const caller = new AwsCaller({
      limiter: { take: async () => void taken.push("control") },
      getFunctionLimiter: { take: async () => void taken.push("getFunction") },
    });
    await caller.run({ operation: "UpdateAlias", resource: "x" }, async () => 1);
    await caller.run({ operation: "GetFunction", resource: "x", getFunctionBudget: true }, async () => 1);
    await caller.run({ operation: "Invoke", resource: "x", unlimited: true }, async () => 1);
    expect(taken).toEqual(["control", "getFunction"]);
  });

  it.each(["16", "0", "-3", "1.5", "ten"])("--max-rps %s is refused (exit 2)", async (text) => {
    expect(() => parseMaxRps(text)).toThrow(InputError);
    const result = await deployFromInputs(
      { function: "fn", zip: "x.zip", bucket: "b", maxRps: text },
      { env: {}, cwd: "/tmp", ports: () => unreachable() },
    );
    expect(result.exitCode).toBe(2);
  });

  it("accepts 1 to 15", () => {
    expect(parseMaxRps("15")).toBe(15);
    expect(parseMaxRps("1")).toBe(1);
  });
});

function unreachable(): never {
  throw new Error("no AWS call may happen for bad input");
}
