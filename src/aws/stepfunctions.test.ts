import {
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, test } from "vitest";
import { FakeClock } from "../../test/support/fakes.js";
import { ConflictError, InputError } from "../errors.js";
import { AwsStepFunctions } from "./stepfunctions.js";

const newMock = (c: SFNClient) => mockClient(c);
let mock: ReturnType<typeof newMock>;
let sfn: AwsStepFunctions;
const ARN = "arn:aws:states:us-east-1:123456789012:execution:lr:e1";

beforeEach(() => {
  const client = new SFNClient({
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  });
  mock = newMock(client);
  sfn = new AwsStepFunctions(client, { clock: new FakeClock(), random: () => 0 });
});

const event = (id: number): HistoryEvent => ({
  id,
  type: "TaskStateExited",
  timestamp: new Date(id * 1000),
  stateExitedEventDetails: { name: `S${id}`, output: "{}" },
});

const serviceError = (name: string, status = 400) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe("AwsStepFunctions", () => {
  test("history: newest pages first, stopping at events already seen, returned oldest first", async () => {
    mock
      .on(GetExecutionHistoryCommand, { nextToken: undefined })
      .resolves({ events: [event(9), event(8)], nextToken: "p2" })
      .on(GetExecutionHistoryCommand, { nextToken: "p2" })
      .resolves({ events: [event(7), event(6), event(5)], nextToken: "p3" });
    const events = await sfn.historySince(ARN, 6, {});
    expect(events.map((e) => e.id)).toEqual([7, 8, 9]);
    expect(events[0]).toMatchObject({ type: "TaskStateExited", stateName: "S7", data: "{}" });
    // The third page was never asked for.
    expect(mock.commandCalls(GetExecutionHistoryCommand)).toHaveLength(2);
    expect(mock.commandCalls(GetExecutionHistoryCommand)[0]?.args[0].input).toMatchObject({
      reverseOrder: true,
      executionArn: ARN,
    });
  });

  test("history from the start reads every page", async () => {
    mock
      .on(GetExecutionHistoryCommand, { nextToken: undefined })
      .resolves({ events: [event(3), event(2)], nextToken: "p2" })
      .on(GetExecutionHistoryCommand, { nextToken: "p2" })
      .resolves({ events: [event(1)] });
    expect((await sfn.historySince(ARN, 0)).map((e) => e.id)).toEqual([1, 2, 3]);
  });

  test("throttling is retried", async () => {
    mock
      .on(StopExecutionCommand)
      .rejectsOnce(serviceError("ThrottlingException"))
      .resolves({ stopDate: new Date() });
    await sfn.stopExecution(ARN, "lambda-rollout.Stopped", "rollback");
    expect(mock.commandCalls(StopExecutionCommand)).toHaveLength(2);
  });

  test("an unknown state machine is invalid input; a reused execution name is a conflict", async () => {
    mock.on(StartExecutionCommand).rejectsOnce(serviceError("StateMachineDoesNotExist"));
    await expect(sfn.startExecution("arn:aws:states:us-east-1:1:stateMachine:x", "n", "{}")).rejects.toThrow(
      InputError,
    );
    mock.reset();
    mock.on(StartExecutionCommand).rejects(serviceError("ExecutionAlreadyExists"));
    await expect(sfn.startExecution("arn:aws:states:us-east-1:1:stateMachine:x", "n", "{}")).rejects.toThrow(
      ConflictError,
    );
  });

  test("describeStateMachine: a machine in another region is refused without a call; a missing one is invalid input", async () => {
    mock.on(DescribeStateMachineCommand).resolves({ status: "ACTIVE" });
    const west = "arn:aws:states:us-west-2:123456789012:stateMachine:lr";
    const refused = await sfn.describeStateMachine(west).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InputError);
    expect((refused as InputError).message).toContain("is in us-west-2, but the function is in us-east-1");
    expect(mock.commandCalls(DescribeStateMachineCommand)).toHaveLength(0);

    const east = "arn:aws:states:us-east-1:123456789012:stateMachine:lr";
    expect(await sfn.describeStateMachine(east)).toEqual({ stateMachineArn: east, status: "ACTIVE" });
    mock.reset();
    mock.on(DescribeStateMachineCommand).rejects(serviceError("StateMachineDoesNotExist"));
    await expect(sfn.describeStateMachine(east)).rejects.toThrow(InputError);
  });

  test("SendTaskSuccess: sent; a token whose task ended or is unknown is stale; anything else is an error", async () => {
    mock
      .on(SendTaskSuccessCommand, { taskToken: "ok" })
      .resolves({})
      .on(SendTaskSuccessCommand, { taskToken: "late" })
      .rejects(serviceError("TaskTimedOut"))
      .on(SendTaskSuccessCommand, { taskToken: "unknown" })
      .rejects(serviceError("InvalidToken"))
      .on(SendTaskSuccessCommand, { taskToken: "denied" })
      .rejects(serviceError("AccessDeniedException"));
    expect(await sfn.sendTaskSuccess("ok", "{}")).toBe("sent");
    expect(mock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: "ok",
      output: "{}",
    });
    expect(await sfn.sendTaskSuccess("late", "{}")).toBe("stale");
    expect(await sfn.sendTaskSuccess("unknown", "{}")).toBe("stale");
    await expect(sfn.sendTaskSuccess("denied", "{}")).rejects.toThrow(/AccessDenied/);
  });
});
