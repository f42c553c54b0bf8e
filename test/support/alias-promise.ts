/**
 * The promise the property test (src/rollout/engine/rollout.property.test.ts) states, for one function
 * and for releases: whole aliases, a result that says truthfully which version each serves, someone
 * else's routing never written over, and a ledger record that says what the result says.
 */
import { expect } from "vitest";
import { sha256 } from "../../src/artifact/hash.js";
import type { AliasRouting, AliasState } from "../../src/ports.js";
import type { ReleaseResultEvent } from "../../src/rollout/deploy/release.js";
import type { ResultEvent } from "../../src/rollout/events.js";
import type { AliasHead, RolloutRecord } from "../../src/rollout/ledger/record.js";
import type { FakeLedgerStore } from "./fake-ledger.js";
import type { FakeLambda } from "./fakes.js";
import { packageBytes } from "./lambda-fixtures.js";

/** Someone else's routing: no weight a run writes (its weights are whole percents). */
export const FOREIGN: AliasRouting = { version: "1", additional: { version: "2", weight: 42.5 } };
/** The CodeSha256 of a release's package (release-harness.ts). */
const PACKAGE_SHA = sha256(packageBytes("v2")).base64;

/** A release as played: its functions (`name@region`), result, and who else acted. */
export interface PlayedRelease {
  fake: (key: string) => FakeLambda;
  keys: string[];
  result: ReleaseResultEvent;
  /**
   * An operator's rollback/promote of the release, or someone else's routing on `key`, and how many
   * calls each function's Lambda had answered once they were done.
   */
  acted: { action: "promote" | "rollback" | "foreign"; key: string; calls: Map<string, number> } | undefined;
}

/**
 * A one-function deploy: a whole alias, and a result that says truthfully which version it serves.
 * `scenario` is the part of a generated scenario the check needs.
 */
export function checkPromise(
  lambda: FakeLambda,
  result: ResultEvent,
  scenario: { faults: readonly string[]; aliasOnLatest: boolean },
): void {
  const alias = lambda.alias;
  expect(EXITS[result.outcome], `outcome ${result.outcome} with exit ${result.exitCode}`).toContain(
    result.exitCode,
  );
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

/**
 * Someone else's routing is never written over, whatever the run was doing (shifting, baking,
 * restoring), and never reported as an operator's decision.
 */
export function checkUntouched(alias: AliasState, result: ResultEvent): void {
  expect({ version: alias.version, additional: alias.additional }, String(result.reason)).toEqual(FOREIGN);
  expect(result.exitCode, String(result.reason)).not.toBe(2);
}

/** The exit codes each outcome may end with. */
export const EXITS: Record<ResultEvent["outcome"], number[]> = {
  promoted: [0],
  noop: [0],
  rolled_back: [1],
  failed: [2, 3, 4, 5],
  // detached server-side roll-outs and other commands: the local engine never ends with them
  started: [],
  approved: [],
  unlocked: [],
};

/**
 * The release's promise: each function whole on one version, the new one exactly when its state says
 * `promoted` (every function when the release is), its pre-release one otherwise; a function whose
 * restore AWS refused for good is `failed`, only with exit 5; someone else's routing stays as set, and
 * is exit 3 when the run meets it. What a run cannot know is allowed only where it cannot: a change
 * after the run last read or wrote that alias (an operator's promote landing after a function was
 * restored). An earlier wave's function changed during a later wave's bake, which polls the current
 * wave only, is read once more before the release is called promoted.
 */
export function checkRelease(played: PlayedRelease, faults: readonly string[]): void {
  const { fake, keys, result, acted } = played;
  const story = `${result.outcome}/${result.exitCode}: ${result.reason}`;
  expect(EXITS[result.outcome], story).toContain(result.exitCode);
  // Nothing here is bad input; a conflict only when someone else set a routing.
  expect(result.exitCode, story).not.toBe(2);
  // A conflict only when someone else changed an alias: their routing, or an operator's promote of
  // the release meeting the release's restore (below).
  if (result.exitCode === 3) expect(["foreign", "promote"], story).toContain(acted?.action);
  if (/by an operator/.test(result.reason ?? ""))
    expect(["promote", "rollback"], story).toContain(acted?.action);
  if (result.exitCode === 5) {
    expect(result.hint, story).toContain("lambda-rollout rollback --config FILE --env NAME");
    // Exit 5 only when AWS refused a restore for good (an error no retry can fix).
    expect(faults, story).toContain("permanent");
  }
  const rows = result.release.functions;
  /** The run never read nor wrote the alias again after the other writer acted: it cannot know. */
  const unseen = (key: string) => {
    const after = fake(key)
      .calls.slice(acted?.calls.get(key) ?? 0)
      .map((call) => call.op);
    return acted !== undefined && !after.includes("getAlias") && !after.includes("updateAlias");
  };
  const where = (row: (typeof rows)[number]) =>
    `${row.function}@${row.region} ${row.state} at ${JSON.stringify(fake(`${row.function}@${row.region}`).alias)} after ${story}`;
  if (rows.length === 0) {
    // Stopped while validating (before any function was checked): nothing was written anywhere.
    expect(result.exitCode, story).not.toBe(0);
    for (const key of keys) expect(fake(key).writes(), `${key} after ${story}`).toEqual([]);
    return;
  }
  expect(rows.map((row) => `${row.function}@${row.region}`)).toEqual(keys);
  for (const row of rows) {
    const key = `${row.function}@${row.region}`;
    const alias = fake(key).alias;
    if (acted?.action === "foreign" && acted.key === key) {
      checkUntouched(alias, result);
      // The release may end promoted over it only if it never looked at that alias again (it reads the
      // earlier waves' aliases once more before calling the release promoted).
      if (result.outcome === "promoted") expect(unseen(key), where(row)).toBe(true);
      continue;
    }
    const here = where(row);
    if (row.state === "failed" && result.exitCode === 5) continue;
    if (row.state === "failed") {
      // An operator's `promote` of the release that lands while the release restores (after a gate, an
      // abort or a fault): the restore leaves the operator's routing as set and ends exit 3, where a
      // one-function deploy ends "promoted by an operator" (engine.ts). Whole on the new version.
      expect(result.exitCode, here).toBe(3);
      expect(acted?.action, here).toBe("promote");
      expect(alias.additional, `split left behind: ${here}`).toBeUndefined();
      expect(alias.version, here).toBe(row.toVersion);
      continue;
    }
    expect(alias.additional, `split left behind: ${here}`).toBeUndefined();
    expect(row.fromVersion, here).toBe("1");
    expect(["promoted", "rolled_back", "not_started"], here).toContain(row.state);
    const onNew =
      alias.version === row.toVersion &&
      fake(key).versions.find((v) => v.version === alias.version)?.codeSha256 === PACKAGE_SHA;
    // The state says which version, unless an operator's `rollback`/`promote` of the release moved the
    // alias after the run last read or wrote it (e.g. a promote landing after this one was restored).
    if (onNew !== (row.state === "promoted")) {
      expect(unseen(key), `the state says the wrong version: ${here}`).toBe(true);
      expect(["promote", "rollback"], here).toContain(acted?.action);
    }
    if (!onNew) expect(alias.version, here).toBe("1");
    // All or nothing: a promoted release promoted every function, any other ending none.
    expect(row.state === "promoted", here).toBe(result.outcome === "promoted");
  }
}

/** How the ledger's part of a run ended, coarsely, to check the generator reaches each way. */
export function ledgerEnding(ledger: FakeLedgerStore, result: ResultEvent): string {
  const faulted = ledger.calls.some((c) => c.outcome !== "ok" && c.outcome !== "unavailable");
  if (!result.ledger) return ledger.down ? "not begun, ledger down" : "not begun";
  if (result.ledger.incomplete) return "incomplete, ledger down";
  return faulted ? "recorded through 412s and lost replies" : "recorded";
}

/**
 * The ledger's part of the promise. Whenever it is reachable at the end (no outage at the moment the
 * result came), the record's outcome is the result line's and the lock is free; when it is not, the
 * result says what the record may miss. It never holds the alias for a run that is over.
 */
export function checkLedger(ledger: FakeLedgerStore, result: ResultEvent): void {
  const record = ledger.read<RolloutRecord>("ledger", "rollouts/records/123456789012/us-east-1/fn/r-1.json");
  const head = ledger.read<AliasHead>("ledger", "rollouts/aliases/123456789012/us-east-1/fn/live.json");
  const reachable = !ledger.down;
  const story = () => `${result.outcome}/${result.exitCode}: ${result.reason} (${result.ledger?.incomplete})`;
  if (result.ledger) {
    // A record was begun: it is this run's.
    expect(result.ledger.id).toBe("r-1");
    if (reachable || result.ledger.incomplete === undefined) {
      expect(result.ledger.incomplete, story()).toBeUndefined();
      expect(record?.outcome, story()).toMatchObject({ outcome: result.outcome, exitCode: result.exitCode });
      expect(record?.endedAt).not.toBeNull();
      expect(head?.holder, story()).toBeNull();
    } else {
      expect(result.ledger.incomplete).toMatch(/could not be saved|could not be freed/);
    }
  } else if (reachable) {
    // No record was begun (the run failed before it, or the ledger did): no lock left behind.
    expect(head?.holder ?? null, story()).toBeNull();
    expect(record?.outcome ?? null, story()).toBeNull();
  }
}
