/**
 * What the local data plane needs from the emulator beyond the engine's ports: a version's code and
 * configuration (to run it), the alias's routing (to split traffic), and PutMetricData (to publish the
 * metrics AWS would). `src/local/aws/` implements them with the SDK; tests use fakes.
 */
import type { AliasRouting } from "../ports.js";

/** The parts of a published version's configuration that decide how it runs. */
export interface VersionConfig {
  functionName: string;
  version: string;
  /** `dir/file.export`, as in Lambda's Handler setting. */
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  /** Base64 SHA-256 of the deployment package; versions are immutable, so it keys every cache. */
  codeSha256: string;
}

export interface LocalLambdaPort {
  getVersionConfig(functionName: string, version: string): Promise<VersionConfig>;
  /** The version's deployment package (zip bytes). Throws when it cannot be found. */
  getVersionCode(functionName: string, version: string): Promise<Uint8Array>;
  getAliasRouting(functionName: string, aliasName: string): Promise<AliasRouting>;
}

/** One CloudWatch data point; either a single value or a distribution (Values/Counts). */
export interface MetricDatum {
  metricName: string;
  dimensions: Record<string, string>;
  timestamp: Date;
  unit: "Count" | "Milliseconds";
  value?: number | undefined;
  /** Distinct values and how often each occurred; CloudWatch accepts at most 150 per datum. */
  values?: number[] | undefined;
  counts?: number[] | undefined;
}

export interface MetricSinkPort {
  putMetricData(namespace: string, data: MetricDatum[]): Promise<void>;
}

/** Alarms in the emulator that the rehearsal creates and drives (the emulator never evaluates them). */
export interface AlarmWriterPort {
  create(
    name: string,
    target: { functionName: string; aliasName: string; periodSeconds: number },
  ): Promise<void>;
  setState(name: string, state: "OK" | "ALARM", reason: string): Promise<void>;
}
