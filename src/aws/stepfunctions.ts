import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskSuccessCommand,
  SFNClient,
  type SFNClientConfig,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { ConflictError, InputError, type RolloutError } from "../errors.js";
import type {
  CallOptions,
  ExecutionEvent,
  ExecutionState,
  StateMachineState,
  StepFunctionsPort,
} from "../ports.js";
import { describeSdkError, type SdkErrorInfo } from "./errors.js";
import { type AdapterOptions, AwsCaller, clientDefaults } from "./retry.js";

/** SendTaskSuccess's answers for a token whose task already ended, or that it does not know. */
const STALE_TOKEN = new Set(["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"]);

/** GetExecutionHistory returns at most 1000 events per page. */
const PAGE = 1000;

function notFound(what: string) {
  return (info: SdkErrorInfo, error: unknown): RolloutError | undefined => {
    if (info.code === "StateMachineDoesNotExist" || info.code === "ExecutionDoesNotExist")
      return new InputError(`${what} does not exist: ${info.message}`, {
        cause: error,
        hint: "Check the state machine ARN (--state-machine or stateMachine: in the configuration) and the region.",
      });
    if (info.code === "InvalidArn")
      return new InputError(`Invalid ARN for ${what}: ${info.message}`, { cause: error });
    if (info.code === "ExecutionAlreadyExists")
      return new ConflictError(`An execution of that name already exists: ${info.message}`, { cause: error });
    return undefined;
  };
}

/** The details every history event type keeps under its own key, read in one place. */
function flatten(event: HistoryEvent): ExecutionEvent {
  const entered = event.stateEnteredEventDetails;
  const exited = event.stateExitedEventDetails;
  const failure =
    event.executionFailedEventDetails ??
    event.taskFailedEventDetails ??
    event.executionAbortedEventDetails ??
    event.executionTimedOutEventDetails;
  return {
    id: event.id ?? 0,
    type: event.type ?? "",
    timestamp: event.timestamp?.getTime() ?? 0,
    stateName: entered?.name ?? exited?.name,
    data: entered?.input ?? exited?.output,
    error: failure?.error,
    cause: failure?.cause,
  };
}

/** Step Functions through the SDK, with the same bounded retries as the other adapters. */
export class AwsStepFunctions implements StepFunctionsPort {
  readonly client: SFNClient;
  private readonly caller: AwsCaller;

  constructor(client?: SFNClient | SFNClientConfig, options: AdapterOptions = {}) {
    // Built with maxAttempts 1: retries happen in AwsCaller (see retry.ts).
    this.client = client instanceof SFNClient ? client : new SFNClient(clientDefaults(client));
    this.caller = new AwsCaller(options, false);
  }

  async startExecution(
    stateMachineArn: string,
    name: string,
    input: string,
    options?: CallOptions,
  ): Promise<{ executionArn: string; startDate: Date }> {
    // Retrying is safe: a second StartExecution with the same name and input returns the same execution.
    const reply = await this.caller.run(
      {
        operation: "StartExecution",
        resource: `state machine ${stateMachineArn}`,
        translate: notFound(`state machine ${stateMachineArn}`),
      },
      (abortSignal) =>
        this.client.send(new StartExecutionCommand({ stateMachineArn, name, input }), { abortSignal }),
      options,
    );
    return { executionArn: reply.executionArn ?? "", startDate: reply.startDate ?? new Date() };
  }

  async describeStateMachine(stateMachineArn: string, options?: CallOptions): Promise<StateMachineState> {
    // The machine's SDK tasks (UpdateAlias, DescribeAlarms, Invoke) run in its own region only: Step
    // Functions has no cross-region AWS SDK integration (AWS CDK's CallAwsServiceCrossRegion deploys a
    // Lambda proxy for that; https://github.com/aws/aws-cdk/pull/30061). This client is the functions'.
    const region = await this.client.config.region();
    const machineRegion = stateMachineArn.split(":")[3];
    if (machineRegion && machineRegion !== region) {
      throw new InputError(
        `The state machine ${stateMachineArn} is in ${machineRegion}, but the function is in ${region}: a state machine changes aliases in its own region only. Nothing was changed.`,
        {
          hint: `Create the state machine in ${region} (the Terraform module creates it beside the function) and pass its ARN with --state-machine, or deploy with --engine local.`,
        },
      );
    }
    const reply = await this.caller.run(
      {
        operation: "DescribeStateMachine",
        resource: `state machine ${stateMachineArn}`,
        translate: notFound(`The state machine ${stateMachineArn}`),
      },
      (abortSignal) =>
        this.client.send(new DescribeStateMachineCommand({ stateMachineArn }), { abortSignal }),
      options,
    );
    return { stateMachineArn, status: reply.status ?? "ACTIVE" };
  }

  async describeExecution(executionArn: string, options?: CallOptions): Promise<ExecutionState> {
    const reply = await this.caller.run(
      {
        operation: "DescribeExecution",
        resource: `execution ${executionArn}`,
        translate: notFound(`execution ${executionArn}`),
      },
      (abortSignal) => this.client.send(new DescribeExecutionCommand({ executionArn }), { abortSignal }),
      options,
    );
    return {
      executionArn,
      status: reply.status ?? "UNKNOWN",
      error: reply.error,
      cause: reply.cause,
      startDate: reply.startDate,
      stopDate: reply.stopDate,
      input: reply.input,
    };
  }

  async historySince(
    executionArn: string,
    afterId: number,
    options?: CallOptions,
  ): Promise<ExecutionEvent[]> {
    // Newest first, stopping at the first page that reaches events already seen: a 40-minute roll-out
    // has thousands of events, and the follower asks every few seconds.
    const fresh: ExecutionEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.caller.run(
        {
          operation: "GetExecutionHistory",
          resource: `execution ${executionArn}`,
          translate: notFound(`execution ${executionArn}`),
        },
        (abortSignal) =>
          this.client.send(
            new GetExecutionHistoryCommand({
              executionArn,
              reverseOrder: true,
              maxResults: PAGE,
              nextToken,
              includeExecutionData: true,
            }),
            { abortSignal },
          ),
        options,
      );
      const events = (page.events ?? []).map(flatten);
      // Filtered by id, not cut by position: an emulator may ignore reverseOrder and answer oldest first.
      fresh.push(...events.filter((event) => event.id > afterId));
      const reachedSeen = events.some((event) => event.id <= afterId);
      nextToken = reachedSeen ? undefined : page.nextToken;
    } while (nextToken);
    return fresh.sort((a, b) => a.id - b.id);
  }

  async stopExecution(
    executionArn: string,
    error: string,
    cause: string,
    options?: CallOptions,
  ): Promise<void> {
    await this.caller.run(
      {
        operation: "StopExecution",
        resource: `execution ${executionArn}`,
        translate: notFound(`execution ${executionArn}`),
      },
      (abortSignal) =>
        this.client.send(new StopExecutionCommand({ executionArn, error, cause }), { abortSignal }),
      options,
    );
  }

  async sendTaskSuccess(taskToken: string, output: string, options?: CallOptions): Promise<"sent" | "stale"> {
    // https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html: TaskTimedOut
    // "the task token has either expired or the task associated with the token has already been closed";
    // InvalidToken here is the task token, not the credentials (as S3's is): read before the caller's
    // classification sees it.
    return await this.caller.run(
      { operation: "SendTaskSuccess", resource: "an approval task token" },
      async (abortSignal) => {
        try {
          await this.client.send(new SendTaskSuccessCommand({ taskToken, output }), { abortSignal });
          return "sent" as const;
        } catch (error) {
          if (STALE_TOKEN.has(describeSdkError(error).code)) return "stale" as const;
          throw error;
        }
      },
      options,
    );
  }
}
