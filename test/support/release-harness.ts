/**
 * An in-memory release for engine tests: `a` and `b` in eu-west-1 (wave 1, bake 10m), `a` in
 * us-east-1 (wave 2), each with its own FakeLambda and alarm, v1 live, the package "v2" on disk.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256 } from "../../src/artifact/hash.js";
import { buildPlan } from "../../src/plan/plan.js";
import type { CredentialsPort, LambdaPort, MetricsPort, StepFunctionsPort } from "../../src/ports.js";
import { type RegionPorts, release } from "../../src/rollout/deploy/release.js";
import type { StampedEvent } from "../../src/rollout/events.js";
import type { LedgerAccess } from "../../src/rollout/ledger/location.js";
import type { ReleaseFunction, ReleaseRequest } from "../../src/rollout/request/release-request.js";
import { FakeAlarms, FakeArtifacts, FakeClock, FakeLambda } from "./fakes.js";
import { packageBytes } from "./lambda-fixtures.js";

let zip: string | undefined;

async function packageFile(): Promise<string> {
  if (zip) return zip;
  const dir = await mkdtemp(join(tmpdir(), "lr-release-unit-"));
  zip = join(dir, "pkg.zip");
  await writeFile(zip, packageBytes("v2"));
  return zip;
}

export interface ReleaseHarnessOptions {
  credentials?: CredentialsPort;
  /** For a server-side release (request.engine): every region's Step Functions. */
  stepFunctions?: StepFunctionsPort;
  clock?: FakeClock;
  /** The functions, as [name, region]; default `a` and `b` in eu-west-1, `a` in us-east-1. */
  functions?: [string, string][];
  /** The release's record and locks (default: none). */
  ledger?: LedgerAccess;
  /** Default `r-test-0001`. */
  releaseId?: string;
  /** The region of the adapters for a function without one (the SDK's default, AWS_REGION). */
  defaultRegion?: string;
  /** Versions each function has published before (default 1), the alias on the newest. */
  stableVersions?: number;
  /** CloudWatch metrics (the metric analysis), every region's. */
  metrics?: MetricsPort;
  /** The release's own signal (SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /**
   * What the release's Lambda calls go through for the function `key` (`name@region`), e.g. a port that
   * fails some of them; `portsFor` (an operator's view) always reaches the FakeLambda itself.
   */
  lambdaPort?: (fake: FakeLambda, key: string) => LambdaPort;
}

export function releaseHarness(options: ReleaseHarnessOptions = {}) {
  const clock = options.clock ?? new FakeClock();
  const base64 = sha256(packageBytes("v2")).base64;
  const fakes = new Map<string, FakeLambda>();
  const alarms = new Map<string, FakeAlarms>();
  /** One artifact store per region, kept across calls (a test may take a bucket away). */
  const artifacts = new Map<string, FakeArtifacts>();
  const functions = options.functions ?? [
    ["a", "eu-west-1"],
    ["b", "eu-west-1"],
    ["a", "us-east-1"],
  ];
  const specs: ReleaseFunction[] = functions.map(([name, region], index) => {
    const fake = new FakeLambda(name, "live", {
      handler: "index.handler",
      stableVersions: options.stableVersions,
    });
    // The alias's ARN names its region, as Lambda's does (the ledger keys its lock by it).
    fake.alias.aliasArn = `arn:aws:lambda:${region}:123456789012:function:${name}:live`;
    fake.shaFor = () => base64;
    fakes.set(`${name}@${region}`, fake);
    return {
      path: `environments.production.functions[${index}]`,
      functionName: name as string,
      aliasName: "live",
      region,
      zip: "",
      bucket: `artifacts-${region}`,
      alarms: [`${name}-errors`],
    };
  });
  const portsFor = (given: string | undefined, own = false): RegionPorts => {
    const region = given ?? options.defaultRegion;
    const regionAlarms =
      alarms.get(region ?? "") ?? new FakeAlarms([...new Set(functions.map(([name]) => `${name}-errors`))]);
    alarms.set(region ?? "", regionAlarms);
    const regionArtifacts = artifacts.get(region ?? "") ?? new FakeArtifacts();
    artifacts.set(region ?? "", regionArtifacts);
    const lambdaOf = (name: string): LambdaPort => {
      const fake = fakes.get(`${name}@${region}`) as FakeLambda;
      return (own && options.lambdaPort?.(fake, `${name}@${region}`)) || fake;
    };
    return {
      lambda: {
        getAlias: (name, alias) => lambdaOf(name).getAlias(name, alias),
        updateAlias: (name, alias, routing, revision, options) =>
          lambdaOf(name).updateAlias(name, alias, routing, revision, options),
        getFunction: (name, qualifier) => lambdaOf(name).getFunction(name, qualifier),
        listVersions: (name) => lambdaOf(name).listVersions(name),
        updateFunctionCode: (name, code) => lambdaOf(name).updateFunctionCode(name, code),
        publishVersion: (name, sha, description) => lambdaOf(name).publishVersion(name, sha, description),
        invoke: (name, qualifier, payload) => lambdaOf(name).invoke(name, qualifier, payload),
        listAliases: (name) => lambdaOf(name).listAliases(name),
        deleteVersion: (name, version) => lambdaOf(name).deleteVersion(name, version),
        getProvisionedConcurrency: (name, qualifier) =>
          lambdaOf(name).getProvisionedConcurrency(name, qualifier),
        getScalingConfig: (name, version) => lambdaOf(name).getScalingConfig(name, version),
        putScalingConfig: (name, version, scaling) => lambdaOf(name).putScalingConfig(name, version, scaling),
        runningDurableExecutions: (name, version) => lambdaOf(name).runningDurableExecutions(name, version),
      },
      artifacts: regionArtifacts,
      alarms: regionAlarms,
      metrics: options.metrics,
      credentials: options.credentials,
      stepFunctions: options.stepFunctions,
    };
  };
  const request: ReleaseRequest = {
    name: "production",
    functions: specs,
    waves: [
      { regions: ["eu-west-1"], bakeMs: 10 * 60_000 },
      { regions: ["us-east-1"], bakeMs: 0 },
    ],
    plan: buildPlan({ steps: "10%:5m,50%:5m" }),
    intervalMs: 60_000,
  };
  const events: StampedEvent[] = [];
  const run = async () => {
    const path = await packageFile();
    // A test may have given a function a package of its own (a missing one, say).
    for (const spec of request.functions) spec.zip ||= path;
    return await release(request, {
      portsFor: (region) => portsFor(region, true),
      signal: options.signal,
      clock,
      emit: (event) => events.push(event),
      releaseId: options.releaseId ?? "r-test-0001",
      ledger: options.ledger,
    });
  };
  const fake = (key: string) => fakes.get(key) as FakeLambda;
  return { clock, fake, alarms, events, run, portsFor, request };
}
