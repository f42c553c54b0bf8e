import { access } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { InputError } from "../errors.js";
import { currentBranch } from "./branch.js";
import { CONFIG_FILE_NAMES, loadConfig } from "./parse.js";
import { type Resolution, resolveEnvironment } from "./resolve.js";

/** The first of lambda-rollout.yml, .yaml, .json in `cwd`, or undefined. */
export async function findConfigFile(cwd: string): Promise<string | undefined> {
  for (const name of CONFIG_FILE_NAMES) {
    const path = resolve(cwd, name);
    try {
      await access(path);
      return path;
    } catch {
      // try the next name
    }
  }
  return undefined;
}

export interface ConfigFlags {
  config?: string | undefined;
  env?: string | undefined;
  function?: string | undefined;
}

/**
 * The environment a command works on: from `--config`, or from a config file in `cwd` when no
 * `--function` is given; chosen by `--env`, else by the branch. Undefined when no configuration applies.
 * `--env` without any configuration file is an InputError.
 */
/** What finding the environment reads, passed in so callers (and tests) decide where it comes from. */
export interface ConfigContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Reads the configuration file; default: the file system. */
  readText?: ((path: string) => Promise<string>) | undefined;
  /** The branch the run is for; default: GITHUB_REF_NAME, else `git` in `cwd` (see currentBranch). */
  branch?: (() => string) | undefined;
}

/** A resolution and the configuration file it came from, as given (`--config`) or found (relative). */
export type Located = Resolution & { file: string };

export async function environmentFromFlags(
  flags: ConfigFlags,
  context: ConfigContext,
): Promise<Located | undefined> {
  const path =
    flags.config !== undefined
      ? resolve(context.cwd, flags.config)
      : flags.function === undefined
        ? await findConfigFile(context.cwd)
        : undefined;
  if (path === undefined) {
    if (flags.env === undefined) return undefined;
    throw new InputError(`--env needs a configuration file, and none was found in ${context.cwd}.`, {
      hint: `Pass --config FILE, or create one of ${CONFIG_FILE_NAMES.join(", ")}.`,
    });
  }
  const config = await loadConfig(path, flags.config ?? path, context.readText);
  const branchOf = context.branch ?? (() => currentBranch(context.env, { cwd: context.cwd }));
  const branch = flags.env === undefined ? branchOf() : undefined;
  const file = flags.config ?? relative(context.cwd, path);
  return { ...resolveEnvironment(config, { env: flags.env, branch, baseDir: dirname(path) }), file };
}
