/**
 * Releases in the configuration: an environment with `functions:` (and optional `waves:`) ships many
 * functions, possibly in several regions, as one unit. Rules across keys are checked on the raw data so
 * they are reported with the schema's problems, each naming its key path.
 */
import { resolve } from "node:path";
import { InputError } from "../errors.js";
import { parseDuration } from "../plan/duration.js";
import { parseFunctionRef, resolveFunctionTarget } from "./function-name.js";
import { formatPath } from "./problems.js";
import type { DefaultsConfig, EnvironmentConfig, MetricsConfig, SmokeConfig } from "./schema.js";

/** `{region}` in an artifact bucket name: Lambda reads code only from a bucket in its own region. */
export const REGION_PLACEHOLDER = "{region}";

export interface ResolvedReleaseFunction {
  /** Where it is configured, for messages: `environments.production.functions[2]`. */
  path: string;
  function: string;
  region: string | undefined;
  alias: string;
  /** Absolute when the configuration file's directory is known, else as written. */
  zip: string;
  artifact: { bucket: string; prefix: string | undefined };
  alarms: string[];
  alarmReadFailure: "fail" | "ignore";
  smoke: SmokeConfig[];
  metrics: MetricsConfig | undefined;
  hooks: { preTraffic: string[]; postTraffic: string[]; timeoutMs: number | undefined };
}

export interface ResolvedWave {
  /** Undefined for the implicit single wave of every function. */
  regions: string[] | undefined;
  bakeMs: number;
}

export interface ResolvedRelease {
  functions: ResolvedReleaseFunction[];
  waves: ResolvedWave[];
}

type Raw = Record<string, unknown>;

const isRecord = (value: unknown): value is Raw =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** The region an item runs in: its ARN's, its own, the environment's, the defaults'. */
function regionOfRaw(item: Raw, environment: Raw, defaults: Raw): string | undefined {
  let arnRegion: string | undefined;
  try {
    arnRegion = parseFunctionRef(text(item.function) ?? "").region;
  } catch {
    arnRegion = undefined; // the schema reports a bad name
  }
  return text(item.region) ?? arnRegion ?? text(environment.region) ?? text(defaults.region);
}

function bareName(value: unknown): string | undefined {
  try {
    return parseFunctionRef(text(value) ?? "").name;
  } catch {
    return undefined;
  }
}

/** Problems of one environment's release keys (none for a single-function environment). */
export function releaseProblems(path: string[], environment: unknown, defaults: unknown): string[] {
  if (!isRecord(environment)) return [];
  const at = (...keys: (string | number)[]) => formatPath([...path, ...keys]);
  const problems: string[] = [];
  const hasFunction = environment.function !== undefined;
  const items = environment.functions;
  if (hasFunction && items !== undefined) {
    problems.push(
      `${at()}: both "function" and "functions" are set; use "function" for one function or "functions" for a release.`,
    );
  }
  if (!hasFunction && items === undefined) {
    problems.push(
      `${at()}: no function; set function: NAME, or functions: [{ function: NAME, zip: FILE }, ...].`,
    );
  }
  if (environment.waves !== undefined && items === undefined) {
    problems.push(`${at("waves")}: waves need a release; list the functions under "functions".`);
  }
  if (!Array.isArray(items)) return problems;
  const scope = isRecord(defaults) ? defaults : {};
  const waves = Array.isArray(environment.waves) ? environment.waves.filter(isRecord) : undefined;
  const waveOf = new Map<string, number>();
  waves?.forEach((wave, index) => {
    const regions = Array.isArray(wave.regions) ? wave.regions : [];
    regions.forEach((region, position) => {
      if (typeof region !== "string") return;
      const earlier = waveOf.get(region);
      if (earlier !== undefined) {
        problems.push(
          `${at("waves", index, "regions", position)}: ${region} is already in waves[${earlier}]; a region ships in one wave.`,
        );
      } else waveOf.set(region, index);
    });
  });
  const seen = new Map<string, number>();
  const used = new Set<string>();
  items.forEach((item, index) => {
    if (!isRecord(item)) return;
    const name = bareName(item.function);
    const region = regionOfRaw(item, environment, scope);
    if (region !== undefined) used.add(region);
    if (name !== undefined) {
      const key = `${name}@${region ?? ""}`;
      const first = seen.get(key);
      if (first !== undefined) {
        problems.push(
          `${at("functions", index)}: ${name}${region ? ` in ${region}` : ""} is already listed as functions[${first}]; list each function once per region.`,
        );
      } else seen.set(key, index);
    }
    if (waves !== undefined) {
      if (region === undefined) {
        problems.push(
          `${at("functions", index)}: no region, so it belongs to no wave; set region: here or for the environment.`,
        );
      } else if (!waveOf.has(region)) {
        problems.push(
          `${at("functions", index)}: its region ${region} is in no wave; add ${region} to a wave's regions, or remove the function.`,
        );
      }
    }
    const artifact = [item.artifact, environment.artifact, scope.artifact].find(isRecord);
    const bucket = text(artifact?.bucket);
    if (bucket === undefined) {
      problems.push(
        `${at("functions", index)}: no artifact bucket for its package; set artifact.bucket here, for the environment or in defaults.`,
      );
    } else if (bucket.includes(REGION_PLACEHOLDER) && region === undefined) {
      problems.push(
        `${at("functions", index)}: the bucket ${JSON.stringify(bucket)} uses {region} but the function has no region; set region:.`,
      );
    }
  });
  waves?.forEach((wave, index) => {
    const regions = Array.isArray(wave.regions) ? wave.regions : [];
    regions.forEach((region, position) => {
      if (typeof region === "string" && !used.has(region)) {
        problems.push(
          `${at("waves", index, "regions", position)}: no function of the release runs in ${region}; remove it or fix the functions' regions.`,
        );
      }
    });
  });
  return problems;
}

/**
 * The release of a parsed environment, with defaults applied item by item: an item's own key wins over
 * the environment's, which wins over `defaults`. `baseDir` is the configuration file's directory.
 */
export function resolveRelease(
  name: string,
  environment: EnvironmentConfig,
  defaults: DefaultsConfig,
  defaultAlias: string,
  baseDir: string | undefined,
): ResolvedRelease | undefined {
  const items = environment.functions;
  if (items === undefined) return undefined;
  const scope = { ...defaults, ...withoutUndefined(environment) };
  const functions = items.map((item, index): ResolvedReleaseFunction => {
    const path = `environments.${name}.functions[${index}]`;
    const merged = { ...scope, ...withoutUndefined(item) };
    const target = resolveFunctionTarget({
      configFunction: item.function,
      configRegion: item.region,
      configSource: path,
    });
    if (!target) throw new InputError(`${path}: no function.`);
    // The environment's region is a default: an ARN's own region wins over it.
    const region = target.region ?? scope.region;
    const artifact = merged.artifact;
    if (!artifact) throw new InputError(`${path}: no artifact bucket.`, { hint: "Set artifact.bucket." });
    return {
      path,
      function: target.name,
      region,
      alias: merged.alias ?? defaultAlias,
      zip: baseDir === undefined ? item.zip : resolve(baseDir, item.zip),
      artifact: {
        bucket: region ? artifact.bucket.replaceAll(REGION_PLACEHOLDER, region) : artifact.bucket,
        prefix: artifact.prefix,
      },
      alarms: merged.alarms ?? [],
      alarmReadFailure: merged.alarmReadFailure ?? "fail",
      smoke: merged.smoke ?? [],
      metrics: merged.metrics,
      hooks: {
        preTraffic: merged.hooks?.preTraffic ?? [],
        postTraffic: merged.hooks?.postTraffic ?? [],
        timeoutMs: merged.hooks?.timeout === undefined ? undefined : parseDuration(merged.hooks.timeout),
      },
    };
  });
  const waves: ResolvedWave[] = environment.waves?.map((wave) => ({
    regions: wave.regions,
    bakeMs: wave.bake === undefined ? 0 : parseDuration(wave.bake),
  })) ?? [{ regions: undefined, bakeMs: 0 }];
  return { functions, waves };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
