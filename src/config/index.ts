export { type BranchOptions, currentBranch } from "./branch.js";
export { configJsonSchema, renderJsonSchema, SCHEMA_PATH } from "./json-schema.js";
export { type ConfigFlags, environmentFromFlags, findConfigFile, type Located } from "./locate.js";
export { CONFIG_FILE_NAMES, ConfigError, loadConfig, parseConfig } from "./parse.js";
export {
  applyDefaults,
  branchPattern,
  DEFAULT_ALIAS,
  matchesBranch,
  type Resolution,
  type ResolvedEnvironment,
  type ResolvedSmokeCheck,
  type ResolveOptions,
  resolveEnvironment,
  toSmokeCheck,
} from "./resolve.js";
export type {
  Config,
  DefaultsConfig,
  EnvironmentConfig,
  HooksConfig,
  MetricsConfig,
  SmokeConfig,
  StepSpec,
} from "./schema.js";
export { configSchema } from "./schema.js";
