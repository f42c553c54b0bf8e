import { describe, expect, it } from "vitest";
import { esbuildTarget, LAMBDA_RUNTIME } from "./bundle.js";

describe("esbuildTarget", () => {
  it("turns a Lambda Node.js runtime into the esbuild target of the same major", () => {
    expect(esbuildTarget("nodejs22.x")).toBe("node22");
    expect(esbuildTarget("nodejs24.x")).toBe("node24");
    expect(esbuildTarget(LAMBDA_RUNTIME)).toBe(`node${LAMBDA_RUNTIME.slice("nodejs".length, -".x".length)}`);
  });

  it("refuses what is not a Node.js runtime", () => {
    expect(() => esbuildTarget("python3.13")).toThrow("Not a Lambda Node.js runtime: python3.13");
  });
});
