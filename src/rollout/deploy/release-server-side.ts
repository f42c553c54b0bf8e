/**
 * A release with `--engine stepfunctions` (one region): the checks only the server-side run needs after
 * validation, then every wave's packages published (the execution needs each new version) and one
 * execution of the release state machine (server-side/release.ts), whose ending is the release's.
 */
import type { StepFunctionsEngine } from "../../stepfunctions/input.js";
import { assertFiringAlarmsServerSide } from "../../stepfunctions/input.js";
import type { Checked, RegionPorts } from "../prepare/release-prepare.js";
import type { ReleaseRequest } from "../request/release-request.js";
import { runReleaseServerSide, type ServerSideRelease } from "../server-side/release.js";
import { assertStateMachineUsable } from "../server-side/server-side.js";
import { publishWave, type WaveContext } from "./release-wave.js";

/** The machine is there and usable; no alarm is ignored while firing (the machine cannot). Exit 2 else. */
export async function checkServerSide(
  engine: StepFunctionsEngine,
  checked: Checked[],
  portsOf: (region: string | undefined) => RegionPorts,
  signal: AbortSignal | undefined,
): Promise<void> {
  await assertStateMachineUsable(portsOf(checked[0]?.spec.region).stepFunctions, engine, signal);
  // As for one function: ignoring a firing alarm cannot be done inside the state machine.
  for (const item of checked)
    if (item.spec.alarmsAlreadyFiring === "ignore")
      assertFiringAlarmsServerSide(item.firingAtStart ?? [], item.spec.alarms ?? []);
}

/** Publishes every wave's packages, then runs the release in one execution (followed or detached). */
export async function shipServerSide(
  request: ReleaseRequest,
  releaseId: string,
  active: { wave: { bakeMs: number }; members: Checked[] }[],
  portsOf: (region: string | undefined) => RegionPorts,
  context: WaveContext,
): Promise<ServerSideRelease> {
  for (const [index, { members }] of active.entries())
    await publishWave(members, { id: releaseId, wave: index + 1, waves: active.length }, request, context);
  const stepFunctions = portsOf(request.functions[0]?.region).stepFunctions;
  if (!stepFunctions) throw new Error("a server-side release needs the Step Functions adapter of its region");
  return runReleaseServerSide(
    request,
    { id: releaseId, waves: active.map(({ wave, members }) => ({ bakeMs: wave.bakeMs, members })) },
    { stepFunctions, clock: context.clock, signal: context.signal, emitFor: context.emitFor },
  );
}
