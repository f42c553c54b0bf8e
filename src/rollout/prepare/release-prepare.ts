/**
 * The first half of a release: every function, package and alarm checked in every region before the
 * first write, and one function's package published when its wave starts (release.ts runs the rest).
 */

import { type Artifact, assertHandlerPresent, readArtifact } from "../../artifact/inspect.js";
import { AwsError, ConflictError, InputError, RolloutError } from "../../errors.js";
import { assertFiringAlarmsAllowed } from "../../health/firing-alarms.js";
import type {
  AlarmPort,
  AliasState,
  ArtifactStore,
  Clock,
  CredentialsPort,
  FunctionState,
  LambdaPort,
  MetricsPort,
  StepFunctionsPort,
} from "../../ports.js";
import { AliasWriter } from "../engine/alias-writer.js";
import { allSettledOrThrow } from "../engine/loop.js";
import type { RolloutEvent } from "../events.js";
import { parseLive, type VersionRecord } from "../progress.js";
import type { ReleaseFunction, ReleaseRequest } from "../request/release-request.js";
import { assertAlarmsExist } from "./alarms.js";
import {
  compareWithLive,
  isSplit,
  type LiveComparison,
  midRolloutError,
  pinBaseline,
  recordOf,
} from "./live.js";
import { assertNoProvisionedConcurrency } from "./provisioned.js";
import {
  type CheckedPackage,
  checkPackage,
  DEFAULT_UPDATE_TIMEOUT_MS,
  publishPackage,
  type VersionRelease,
} from "./publish.js";

/** The adapters of one region. */
export interface RegionPorts {
  lambda: LambdaPort;
  artifacts: ArtifactStore;
  alarms: AlarmPort;
  metrics?: MetricsPort | undefined;
  /** When present, the credentials must outlive the release's worst case (or renew) before any write. */
  credentials?: CredentialsPort | undefined;
  /** For --engine stepfunctions: the region's Step Functions. */
  stepFunctions?: StepFunctionsPort | undefined;
}

/** A function after validation: what it serves, what it will ship. */
export interface Checked {
  spec: ReleaseFunction;
  ports: RegionPorts;
  wave: number;
  alias: AliasState;
  latest: FunctionState;
  artifact: Artifact;
  /** Undefined when its package is live already: it takes no part in the release. */
  unchanged: string | undefined;
  /** What its package changes against what the alias serves (live.ts). */
  compared: LiveComparison;
  stableRecord: VersionRecord | undefined;
  /** What S3 holds at the package's key, read in validation (a missing bucket is exit 2 there). */
  checked?: CheckedPackage | undefined;
  writer?: AliasWriter;
  newVersion?: string;
  next?: VersionRecord | undefined;
  restored?: boolean;
  /** Its alarms already in ALARM at validation (ignored while they stay there with `alarmsAlreadyFiring: ignore`). */
  firingAtStart?: string[] | undefined;
}

/** One set of adapters per region (undefined: the SDK's default), built on first use. */
export function perRegion<T>(make: (region: string | undefined) => T): (region: string | undefined) => T {
  const made = new Map<string, T>();
  return (region) => {
    const key = region ?? "";
    let found = made.get(key);
    if (found === undefined) {
      found = make(region);
      made.set(key, found);
    }
    return found;
  };
}

export const where = (region: string | undefined) => (region ? ` (${region})` : "");

/** Which wave each function belongs to (by its region), in the request's order. */
function waveIndexOf(request: ReleaseRequest, spec: ReleaseFunction): number {
  const index = request.waves.findIndex(
    (wave) => wave.regions === undefined || wave.regions.includes(spec.region ?? ""),
  );
  if (index < 0) {
    throw new InputError(`${spec.path}: its region ${spec.region ?? "(none)"} is in no wave.`, {
      hint: "Add the region to a wave's regions, or remove the function.",
    });
  }
  return index;
}

export interface ValidateOptions {
  /** `preview`: an alias mid-roll-out is reported by the caller, not refused (exit 3) here. */
  tolerateSplit?: boolean | undefined;
  /** A single deploy validated as a release of one: its messages are the deploy's, without the label. */
  unlabelled?: boolean | undefined;
  /** Where a check that carries on says why (a policy that may not read provisioned concurrency). */
  warn?: ((message: string, spec: ReleaseFunction) => void) | undefined;
}

/** Reads and checks every function, package and alarm, in every region, in parallel; writes nothing. */
export async function validate(
  request: ReleaseRequest,
  portsOf: (region: string | undefined) => RegionPorts,
  signal: AbortSignal | undefined,
  options: ValidateOptions = {},
): Promise<Checked[]> {
  const call = { signal };
  const alarmsByRegion = new Map<string, { region: string | undefined; names: Set<string> }>();
  for (const spec of request.functions) {
    const entry = alarmsByRegion.get(spec.region ?? "") ?? { region: spec.region, names: new Set<string>() };
    for (const name of spec.alarms ?? []) entry.names.add(name);
    alarmsByRegion.set(spec.region ?? "", entry);
  }
  /** `region/name` of every alarm found in ALARM. */
  const firing = new Set<string>();
  const alarmChecks = [...alarmsByRegion.values()]
    .filter((entry) => entry.names.size > 0)
    .map(async (entry) => {
      const names = [...entry.names];
      const found = await assertAlarmsExist(portsOf(entry.region).alarms, names, signal, entry.region);
      for (const alarm of found)
        if (alarm.state === "ALARM") firing.add(`${entry.region ?? ""}/${alarm.name}`);
    });
  const functionChecks = request.functions.map(async (spec): Promise<Checked> => {
    const regionPorts = portsOf(spec.region);
    const label = `${spec.path} (${spec.functionName}${where(spec.region)})`;
    try {
      const wave = waveIndexOf(request, spec);
      const [artifact, alias, latest] = (await allSettledOrThrow<unknown>([
        readArtifact(spec.zip, `${spec.path}.zip (a path relative to the configuration file)`),
        regionPorts.lambda.getAlias(spec.functionName, spec.aliasName, call),
        regionPorts.lambda.getFunction(spec.functionName, undefined, call),
        // Every wave's functions before the first write: a later wave's would fail at its first step.
        assertNoProvisionedConcurrency(
          regionPorts.lambda,
          { functionName: spec.functionName, aliasName: spec.aliasName, plan: request.plan },
          (event) => {
            if (event.type === "warning") options.warn?.(event.message, spec);
          },
          signal,
        ),
      ])) as [Artifact, AliasState, FunctionState];
      if (isSplit(alias) && !options.tolerateSplit) throw midRolloutError(alias, { region: spec.region });
      if (latest.handler) assertHandlerPresent(artifact, latest.handler, latest.runtime);
      let stableRecord = parseLive(alias.description, alias.version);
      const compared = await compareWithLive(regionPorts.lambda, alias, latest, artifact, stableRecord, call);
      if (compared.kind === "release") stableRecord = compared.record ?? stableRecord;
      const checked =
        compared.kind === "release"
          ? await checkPackage(regionPorts.artifacts, spec.functionName, spec, artifact)
          : undefined;
      return {
        spec,
        ports: regionPorts,
        wave,
        alias,
        latest,
        artifact,
        unchanged: compared.kind === "noop" ? `v${alias.version} already has this package` : undefined,
        compared,
        stableRecord,
        checked,
      };
    } catch (error) {
      throw options.unlabelled ? error : new Labelled(label, error);
    }
  });
  const settled = await Promise.allSettled([...functionChecks, ...alarmChecks]);
  const failures = settled.flatMap((outcome) =>
    outcome.status === "rejected" ? [outcome.reason as unknown] : [],
  );
  const errors = failures.map((failure) => (failure instanceof Labelled ? failure.error : failure));
  if (errors.length > 0) {
    // Report every problem at once; the exit code is the first non-input one's, else 2.
    const worst = errors.find((error) => !(error instanceof InputError)) ?? errors[0];
    const lines = failures.map((failure) =>
      failure instanceof Labelled ? `${failure.label}: ${messageOf(failure.error)}` : messageOf(failure),
    );
    const message =
      lines.length === 1
        ? (lines[0] as string)
        : `${lines.length} problems; nothing was changed:\n${lines.map((line) => `  - ${line}`).join("\n")}`;
    const hint = worst instanceof RolloutError ? worst.hint : undefined;
    if (worst instanceof ConflictError) throw new ConflictError(message, { hint, cause: worst });
    if (worst instanceof AwsError) throw new AwsError(message, { hint, cause: worst });
    throw new InputError(message, { hint, cause: worst });
  }
  const checked = settled.flatMap((outcome) =>
    outcome.status === "fulfilled" && outcome.value !== undefined ? [outcome.value as Checked] : [],
  );
  assertEachAliasOnce(checked);
  for (const item of checked)
    item.firingAtStart = (item.spec.alarms ?? []).filter((name) =>
      firing.has(`${item.spec.region ?? ""}/${name}`),
    );
  return checked;
}

/**
 * The same alias listed twice. The configuration catches two entries naming the same region; an entry
 * without a region runs in the SDK's default one (AWS_REGION), known only here: by the alias's ARN.
 */
function assertEachAliasOnce(checked: Checked[]): void {
  const first = new Map<string, Checked>();
  for (const item of checked) {
    const earlier = first.get(item.alias.aliasArn);
    if (earlier === undefined) {
      first.set(item.alias.aliasArn, item);
      continue;
    }
    const { spec } = item;
    throw new InputError(
      `${spec.path} (${spec.functionName}${where(spec.region)}) is the same alias as ${earlier.spec.path} (${earlier.spec.functionName}${where(earlier.spec.region)}): ${item.alias.aliasArn}. A release lists each function once per region. Nothing was changed.`,
      {
        hint: "Remove one of the two entries. An entry without region: runs in the default region (AWS_REGION, the profile's region).",
      },
    );
  }
}

/** Pins a `$LATEST` alias to a baseline if needed, uploads and publishes the function's package. */
export async function publish(
  item: Checked,
  tag: VersionRelease,
  request: ReleaseRequest,
  context: {
    clock: Clock;
    signal: AbortSignal | undefined;
    emitFor: (event: RolloutEvent, spec?: { functionName: string; region: string | undefined }) => void;
  },
): Promise<void> {
  const { clock, signal } = context;
  const { lambda, artifacts } = item.ports;
  const who = { functionName: item.spec.functionName, region: item.spec.region };
  if (item.alias.version === "$LATEST") {
    const pinned = await pinBaseline(lambda, item.alias, item.latest, clock.now(), { signal });
    item.alias = pinned.alias;
    item.stableRecord = pinned.record;
    context.emitFor(
      { type: "info", message: `Published $LATEST as baseline v${pinned.alias.version}.` },
      who,
    );
  }
  // The writer exists from here on: whatever this release writes to the alias, it can restore.
  item.writer = new AliasWriter(lambda, item.alias, { region: item.spec.region });
  const next = await publishPackage(
    {
      functionName: item.spec.functionName,
      source: { bucket: item.spec.bucket, prefix: item.spec.prefix },
      artifact: item.artifact,
      stableVersion: item.alias.version,
      latestCodeSha256: item.latest.codeSha256,
      updateTimeoutMs: request.updateTimeoutMs ?? DEFAULT_UPDATE_TIMEOUT_MS,
      release: tag,
      checked: item.checked,
    },
    { lambda, artifacts, clock, signal, emit: (event) => context.emitFor(event, who) },
  );
  item.newVersion = next.version;
  item.next = recordOf(next);
}

/** A validation failure and the function it belongs to. */
class Labelled {
  constructor(
    readonly label: string,
    readonly error: unknown,
  ) {}
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `--allow-firing-alarms` needs a gate judging the new version, function by function (exit 2, its key named). */
export function assertFiringAlarmsAllowedFor(spec: ReleaseFunction): void {
  try {
    assertFiringAlarmsAllowed(spec);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(`${spec.path} (${spec.functionName}): ${error.message}`, { hint: error.hint });
  }
}
