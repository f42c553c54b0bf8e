/**
 * lambda-rollout as a library: the same functions the CLI and the GitHub Action call.
 */
export { type AwsPorts, type AwsPortsOptions, createAwsPorts } from "./aws/index.js";
export * from "./errors.js";
export { createAlarmGate } from "./health/alarms.js";
export type { GateContext, GatePhase, GateVerdict, HealthGate } from "./health/gate.js";
export { createSmokeGate, type SmokeCheck, type SmokeExpectation } from "./health/smoke.js";
export type { DeliveryPolicy, HttpPost, HttpRequest, HttpResponse } from "./notify/http.js";
export { NOTIFYING_EVENTS, type Notification, notificationOf } from "./notify/message.js";
export { type Reporter, type ReporterFactory, reportingSink } from "./notify/reporter.js";
export { redactUrl, type WebhookUrl } from "./notify/urls.js";
export { type WebhookOptions, webhookReporter } from "./notify/webhook.js";
export { formatDuration, parseDuration } from "./plan/duration.js";
export { buildPlan, describePlan, type Plan, PRESET_NAMES, PRESETS, type Step } from "./plan/plan.js";
export type * from "./ports.js";
export { systemClock } from "./ports.js";
export { type DeployPorts, type DeployRequest, type DeploySource, deploy } from "./rollout/deploy/deploy.js";
export { approve } from "./rollout/engine/approval.js";
export type { EventSink, Outcome, ResultEvent, RolloutEvent, StampedEvent } from "./rollout/events.js";
export { type AliasStatus, resolveSplit, status } from "./rollout/manage/manage.js";
export {
  type PrunePlan,
  type PruneReport,
  type PruneRequest,
  planPrune,
  prune,
} from "./rollout/manage/prune.js";
export { stopExecutionFirst } from "./rollout/manage/server-side-manage.js";
export { type DeployInputs, type ResolvedDeploy, resolveDeploy } from "./rollout/request/request.js";
export { deployFromInputs, type Ports, type RunOptions, type RunTarget } from "./run.js";
export {
  type ExecutionInput,
  FAILURE as STATE_MACHINE_ERRORS,
  stateMachineDefinition,
  stateMachineJson,
} from "./stepfunctions/definition.js";
export type { StepFunctionsEngine } from "./stepfunctions/input.js";

import type { LambdaPort } from "./ports.js";
import { resolveSplit } from "./rollout/manage/manage.js";
import { reportDurableExecutionsLeft } from "./rollout/prepare/durable.js";

/**
 * Undoes a split alias: 100% on the primary (stable) version, routing removed. For a durable function,
 * the result also says how many durable executions still run on the version rolled back from.
 */
export const rollback = async (lambda: LambdaPort, functionName: string, aliasName: string) =>
  reportDurableExecutionsLeft(lambda, await resolveSplit(lambda, functionName, aliasName, "rollback"));

/** Finishes a split alias: 100% on the additional (new) version, routing removed. */
export const promote = (lambda: LambdaPort, functionName: string, aliasName: string) =>
  resolveSplit(lambda, functionName, aliasName, "promote");
