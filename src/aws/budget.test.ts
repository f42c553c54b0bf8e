import { describe, expect, it } from "vitest";
import { FakeClock } from "../../test/support/fakes.js";
import { InputError } from "../errors.js";
import { deployFromInputs } from "../run.js";
import { ArrivalWindowLimiter, parseMaxRps, sharedBudget } from "./budget.js";
import { AwsCaller } from "./retry.js";

describe("the control-plane budget", () => {
  it("grants at most N requests per window, however many callers ask at once", async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const limiter = new ArrivalWindowLimiter(10, clock, 1_000);
    const granted: number[] = [];
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        const replied = await limiter.take();
        granted.push(clock.now() - start);
        replied?.();
      }),
    );
    // 10 at once, then 10 one window after their replies, then 5 one more window later.
    expect(granted).toEqual([...Array(10).fill(0), ...Array(10).fill(1_000), ...Array(5).fill(2_000)]);
  });

  it("counts a request until a window after its reply: a slow reply holds its slot", async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const limiter = new ArrivalWindowLimiter(1, clock, 1_000);
    const first = await limiter.take();
    const second = limiter.take().then(() => clock.now() - start);
    clock.time += 5_000; // the first request's reply takes 5 s
    first?.();
    expect(await second).toBe(6_000);
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
      limiter: {
        take: async () => {
          taken.push("control");
          return undefined;
        },
      },
      getFunctionLimiter: {
        take: async () => {
          taken.push("getFunction");
          return undefined;
        },
      },
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
