import { expect } from "vitest";
import type { ResultEvent } from "../../src/rollout/events.js";
import type { FakeLambda } from "./fakes.js";

/**
 * The invariant both engine property tests state (engine.property.test.ts: other writers;
 * ledger-engine.property.test.ts: ledger faults): a whole alias, and a result that says truthfully
 * which version it serves. `scenario` is the part of a generated scenario the check needs.
 */
export function checkPromise(
  lambda: FakeLambda,
  result: ResultEvent,
  scenario: { faults: readonly string[]; aliasOnLatest: boolean },
): void {
  const alias = lambda.alias;
  // `started` belongs to detached server-side roll-outs: the local engine never ends with it.
  const expectedExit = {
    promoted: [0],
    noop: [0],
    rolled_back: [1],
    failed: [2, 3, 4, 5],
    started: [] as number[],
    approved: [] as number[],
    unlocked: [] as number[],
  }[result.outcome];
  expect(expectedExit, `outcome ${result.outcome} with exit ${result.exitCode}`).toContain(result.exitCode);
  // Nobody else writes and nothing is bad input here: a conflict or "invalid input" would be a lie.
  expect(result.exitCode, String(result.reason)).not.toBe(2);
  expect(result.exitCode, String(result.reason)).not.toBe(3);
  if (result.exitCode === 5) {
    expect(result.hint).toContain("lambda-rollout rollback --function fn --alias live");
    // Exit 5 only when AWS refused the restore for good (an error no retry can fix).
    expect(scenario.faults).toContain("permanent");
    return;
  }
  expect(
    alias.additional,
    `split left behind: ${JSON.stringify(alias)} after ${result.reason}`,
  ).toBeUndefined();
  if (result.outcome === "promoted") {
    expect(alias.version).toBe("2");
    expect(result.toVersion).toBe("2");
    return;
  }
  // rolled back or failed: the version it started from (the baseline of $LATEST, when it was on $LATEST)
  const from = result.fromVersion;
  if (scenario.aliasOnLatest && alias.version !== "$LATEST") {
    expect(lambda.versions.find((v) => v.version === alias.version)?.codeSha256).toBe(
      lambda.latest.codeSha256,
    );
  } else {
    expect(alias.version).toBe(scenario.aliasOnLatest ? "$LATEST" : "1");
  }
  // null: the run failed before it could read the alias, and says nothing it does not know.
  expect(from === null || from === alias.version || (from === "$LATEST" && scenario.aliasOnLatest)).toBe(
    true,
  );
}
