/**
 * Server-side roll-outs against moto, which runs the generic state machine for real: one emulator per
 * file, reset before each test, a function and the state machine as the Terraform module creates it, the CLI's deploy flags.
 */
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { stateMachineJson } from "../../src/stepfunctions/definition.js";
import { clients, createTarget, deployOf } from "./lambda-fixtures.js";
import { type Moto, startMoto } from "./moto.js";

let counter = 0;
export const uniqueName = (label: string) => `sfn-${label}-${++counter}`;

/**
 * One emulator for the calling test file (call this at its top level), reset before each test. moto
 * 5.2.1 runs one execution per backend: its StartExecution deep-copies the state machine and, through
 * it, the backend, and fails with HTTP 500 ("cannot pickle '_thread.RLock'") once an earlier execution
 * exists there, on any state machine. `POST /moto-api/reset` gives it a new backend (checked: an
 * execution after a reset succeeds, even while one from before the reset still runs), so each test may
 * start one execution.
 */
export function sharedEmulator(): () => Moto {
  let moto: Moto | undefined;
  const current = () => {
    if (!moto) throw new Error("the emulator starts in beforeAll: call emulator() inside a test");
    return moto;
  };
  beforeAll(async () => {
    moto = await startMoto({}, { stepFunctions: true });
  });
  afterAll(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await current().reset();
    // createTarget creates the functions' role once per process; a reset takes it away.
    await clients(current()).iam.send(
      new CreateRoleCommand({ RoleName: "lambda-exec", AssumeRolePolicyDocument: "{}" }),
    );
  });
  return current;
}

/** A function to deploy (see createTarget) and the state machine, as the Terraform module creates it. */
export async function setUp(label: string, moto: Moto) {
  const sfn = new SFNClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
  const target = await createTarget(moto, uniqueName(label));
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name: `lambda-rollout-${target.name}`,
      definition: stateMachineJson(),
      roleArn: "arn:aws:iam::123456789012:role/lambda-rollout-state-machine",
    }),
  );
  const execution = async (arn: string) =>
    await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  /** Every event the execution wrote, all pages. */
  const history = async (arn: string) => {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000, nextToken }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  };
  const historyLength = async (arn: string) => (await history(arn)).length;
  return {
    ...target,
    moto,
    execution,
    history,
    historyLength,
    stateMachine: created.stateMachineArn as string,
  };
}

export const deployArgs = (
  target: { name: string; bucket: string; alarm: string; v2: string; stateMachine: string },
  ...extra: string[]
) => [
  ...deployOf(target),
  "--interval",
  "1s",
  "--engine",
  "stepfunctions",
  "--state-machine",
  target.stateMachine,
  "--json",
  ...extra,
];

export async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
