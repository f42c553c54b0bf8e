import { describe, expect, test } from "vitest";
import { InputError } from "../errors.js";
import { type MetricGateOptions, resolveMetricGateOptions } from "./metrics-options.js";

function rejection(options: MetricGateOptions): InputError {
  try {
    resolveMetricGateOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error("expected the options to be rejected");
}

describe("invalid metric gate options are bad input (exit 2), not an AWS error", () => {
  test.each<[MetricGateOptions, RegExp, RegExp]>([
    [{ periodSeconds: 0 }, /periodSeconds.*0/, /--period/],
    [{ consecutiveFailures: 0 }, /consecutiveFailures.*0/, /metrics\.consecutiveFailures/],
    [{ consecutiveFailures: 1.5 }, /consecutiveFailures.*1\.5/, /whole number/],
    [{ errorRate: { max: -0.1 } }, /errorRate\.max.*-0\.1/, /metrics\.errorRate\.max/],
    [{ errorRate: { maxRelative: Number.NaN } }, /errorRate\.maxRelative/, /maxRelativeToStable/],
    [{ minInvocations: -1 }, /minInvocations.*-1/, /metrics\.minInvocations/],
    [{ maxThrottles: -2 }, /maxThrottles/, /metrics\.throttles\.max/],
    [{ duration: { maxMs: Number.POSITIVE_INFINITY } }, /duration\.maxMs/, /metrics\.duration\.max/],
    [{ maxExtensionMs: -1 }, /maxExtensionMs/, /metrics\.maxExtension/],
    [{ maxExtensionMs: 2 ** 31 }, /maxExtensionMs.*2147483648/, /596h/],
  ])("%j", (options, message, hint) => {
    const error = rejection(options);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(hint);
  });

  test("valid options pass", () => {
    expect(resolveMetricGateOptions({ errorRate: { max: 0.05 }, consecutiveFailures: 2 })).toMatchObject({
      consecutiveFailures: 2,
      errorRate: { max: 0.05 },
    });
  });
});
