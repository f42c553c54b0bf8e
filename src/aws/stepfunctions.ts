import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  type SFNClientConfig,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { ConflictError, InputError, type RolloutError } from "../errors.js";
import type { CallOptions, ExecutionEvent, ExecutionState, StepFunctionsPort } from "../ports.js";
import type { SdkErrorInfo } from "./errors.js";
import { type AdapterOptions, AwsCaller, clientDefaults } from "./retry.js";

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
}
