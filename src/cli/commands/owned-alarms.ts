/**
 * After a command has read a server-side roll-out of an alias: the alarms that ended roll-outs left
 * behind (a detached run, a killed follower) are deleted (rollout/server-side/owned-alarms.ts), never
 * one whose execution still runs. Said on stderr, so `--json` output stays one object.
 */
import { sweepOwnedAlarms } from "../../rollout/server-side/owned-alarms.js";
import type { CliIo } from "../io.js";
import {
  awsOwnedAlarms,
  awsStepFunctions,
  type OwnedAlarmsFactory,
  type StepFunctionsFactory,
} from "./target.js";

export async function sweepEndedAlarms(
  io: CliIo,
  target: { functionName: string; aliasName?: string | undefined; region: string | undefined },
  factories: { ownedAlarmsFor?: OwnedAlarmsFactory; stepFunctionsFor?: StepFunctionsFactory } = {},
): Promise<void> {
  const ownedAlarmsFor = factories.ownedAlarmsFor ?? awsOwnedAlarms;
  const stepFunctionsFor = factories.stepFunctionsFor ?? awsStepFunctions;
  const deleted = await sweepOwnedAlarms(
    ownedAlarmsFor(target.region),
    stepFunctionsFor(target.region),
    { functionName: target.functionName, aliasName: target.aliasName },
    { now: Date.now(), warn: (message) => io.stderr.write(`warning: ${message}\n`), signal: io.signal },
  );
  if (deleted.length > 0)
    io.stderr.write(`Deleted the alarm(s) of ended server-side roll-outs: ${deleted.join(", ")}\n`);
}
