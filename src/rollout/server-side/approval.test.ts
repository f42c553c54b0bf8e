import { describe, expect, it } from "vitest";
import { FakeLambda } from "../../../test/support/fakes.js";
import { MemoryLedgerStore } from "../../../test/support/ledger-store.js";
import type { StepFunctionsPort } from "../../ports.js";
import { aliasKeyOf, headKey, type LedgerAccess, recordKey, recordPath } from "../ledger/location.js";
import { approvalLocation, approveServerSide, parseApprovalToken } from "./approval.js";

const EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:fn-rollout:lambda-rollout-abc-0001";
const SINCE = "2026-12-02T10:00:00.123456+00:00";
const token = (value: string) => JSON.stringify([value, SINCE, EXECUTION, 3600, 10]);

/** A server-side roll-out of fn:live holding the lock, at 10% on v2, its execution waiting for approval. */
async function waiting() {
  const lambda = new FakeLambda("fn", "live", { stableVersions: 2, aliasOn: "1" });
  lambda.alias = {
    ...lambda.alias,
    additional: { version: "2", weight: 10 },
    description: `lambda-rollout: step 1/2, 10% to v2 from v1 since 2026-12-02T09:59:00Z [execution=${EXECUTION}]`,
  };
  const store = new MemoryLedgerStore();
  const ledger: LedgerAccess = {
    store,
    location: { bucket: "artifacts", prefix: "rollouts/" },
    actor: { name: "octocat", host: "laptop" },
  };
  const alias = aliasKeyOf(lambda.alias.aliasArn);
  const path = recordPath("rollout", "r-mx1-0001", alias);
  const actor = ledger.actor;
  const holder = { id: "r-mx1-0001", record: path, actor, since: SINCE, leaseUntil: "2100-01-01T00:00:00Z" };
  await store.create(
    "artifacts",
    headKey(ledger.location, alias),
    JSON.stringify({ schema: 1, holder, recent: [{ id: holder.id, startedAt: SINCE, record: path }] }),
  );
  await store.create(
    "artifacts",
    recordKey(ledger.location, path),
    JSON.stringify({
      schema: 1,
      id: holder.id,
      kind: "rollout",
      name: "fn",
      startedAt: SINCE,
      endedAt: null,
      actor,
      engine: "stepfunctions",
      // A followed execution's record gets its ARN at the end: the alias description names it meanwhile.
      executionArn: null,
      plan: "10%:5m",
      gates: [],
      targets: [],
      timeline: [],
      outcome: null,
    }),
  );
  const where = approvalLocation(ledger.location, path);
  return { lambda, store, ledger, where };
}

describe("approve of a server-side roll-out", () => {
  it("a token whose wait timed out before it arrived is stale: the next wait's token is read and sent", async () => {
    const { lambda, store, ledger, where } = await waiting();
    expect(where.key).toBe("rollouts/records/123456789012/us-east-1/fn/r-mx1-0001.approval.json");
    await store.create(where.bucket, where.key, token("t1"));
    const sent: string[] = [];
    const stepFunctions = {
      describeExecution: async () => ({ executionArn: EXECUTION, status: "RUNNING" }),
      sendTaskSuccess: async (taskToken: string) => {
        sent.push(taskToken);
        if (taskToken === "t1") {
          // That wait timed out; the execution ran the gates and wrote the next wait's token.
          const found = await store.get(where.bucket, where.key);
          await store.replace(where.bucket, where.key, token("t2"), found?.etag ?? "");
          return "stale" as const;
        }
        lambda.alias = { ...lambda.alias, version: "2", additional: undefined, description: "promoted" };
        return "sent" as const;
      },
    } as unknown as StepFunctionsPort;
    let now = Date.parse("2026-12-02T10:05:00Z");
    const result = await approveServerSide(
      {
        lambda,
        stepFunctions,
        ledger,
        now: () => now,
        sleep: async (ms) => {
          now += ms;
        },
      },
      "fn",
      "live",
    );
    expect(sent).toEqual(["t1", "t2"]);
    expect(result).toMatchObject({
      outcome: "approved",
      exitCode: 0,
      toVersion: "2",
      executionArn: EXECUTION,
    });
    expect(result?.reason).toContain(`execution ${EXECUTION} promoted v2`);
  });

  it("no token in the ledger (not waiting yet, or a local roll-out): left to the local approve", async () => {
    const { lambda, ledger } = await waiting();
    const stepFunctions = {} as StepFunctionsPort;
    expect(await approveServerSide({ lambda, stepFunctions, ledger }, "fn", "live")).toBeUndefined();
  });

  it("reads the token the execution wrote, and until when it waits", () => {
    expect(parseApprovalToken(token("t1"))).toEqual({
      token: "t1",
      since: SINCE,
      executionArn: EXECUTION,
      timeoutSeconds: 3600,
      pollSeconds: 10,
      until: "2026-12-02T11:00:00.123Z",
    });
    expect(parseApprovalToken("not json")).toBeUndefined();
    expect(parseApprovalToken(JSON.stringify({ token: "t1" }))).toBeUndefined();
  });
});
