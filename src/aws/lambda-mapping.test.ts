import { describe, expect, test } from "vitest";
import { buildPlan } from "../plan/plan.js";
import { fractionToPercent, percentToFraction } from "./lambda-mapping.js";

describe("weights between percent (ours) and fraction (AWS's)", () => {
  // The whole domain of accepted weights (0.01 % to 99.99 %, two decimals), not a sample of it.
  test("every accepted weight becomes the exact fraction WEIGHT/100 and reads back as itself", () => {
    for (let hundredths = 1; hundredths < 10_000; hundredths++) {
      const text = (hundredths / 100).toFixed(2);
      const weight = buildPlan({ steps: `${text}%:1m` }).steps[0]?.weight as number;
      const fraction = percentToFraction(weight);
      // The double nearest to the decimal fraction, exactly as AWS would parse "0.0029" itself.
      expect(fraction).toBe(Number((hundredths / 10_000).toFixed(4)));
      expect(fractionToPercent(fraction)).toBe(weight);
    }
  });

  test("the weights from the issue", () => {
    expect(percentToFraction(0.29)).toBe(0.0029);
    expect(percentToFraction(1.1)).toBe(0.011);
    expect(fractionToPercent(0.0029)).toBe(0.29);
    expect(fractionToPercent(0.011)).toBe(1.1);
  });
});
