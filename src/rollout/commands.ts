/**
 * The lambda-rollout commands that messages suggest (`status`, `rollback`, `approve`, …), written the
 * way the user named the target: a run that used `--config F --env E` suggests `--config F --env E`,
 * so the command reads the same configuration (and region) instead of whatever `./lambda-rollout.yml`
 * or the SDK's default region says; a run that named the function suggests `--function`, `--alias`
 * and the region it used.
 */

import type { Located } from "../config/index.js";

/** How the user named the target on the command line (or in the Action's inputs). */
export interface CommandVia {
  /** The configuration file as given (or found), when the target came from it. */
  config?: string | undefined;
  /** The environment the run used (chosen by --env or by the branch). */
  env?: string | undefined;
  /** The region, when one was given (a flag, an ARN) rather than left to the SDK's chain. */
  region?: string | undefined;
}

/** A path or name as one shell word. */
function word(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/** The flags that name the target as the user did. */
export function targetFlags(functionName: string, aliasName: string, via: CommandVia = {}): string {
  const target =
    via.config !== undefined && via.env !== undefined
      ? `--config ${word(via.config)} --env ${word(via.env)}`
      : `--function ${functionName} --alias ${aliasName}`;
  return `${target}${via.region ? ` --region ${via.region}` : ""}`;
}

/** `lambda-rollout VERB` with the flags that name the target as the user did. */
export function suggestedCommand(
  verb: string,
  functionName: string,
  aliasName: string,
  via: CommandVia = {},
): string {
  return `lambda-rollout ${verb} ${targetFlags(functionName, aliasName, via)}`;
}

/**
 * How a command's flags named its target, for the commands it suggests (`via`), and where the target
 * came from, for "does not exist" errors (`origin`): the configuration file and environment, or none.
 */
export function namingOf(
  flags: { function?: string | undefined; region?: string | undefined },
  resolution: Located | undefined,
  target: { region?: string | undefined; account?: string | undefined } | undefined,
): { via: CommandVia; whereabouts: { origin: string; account: string | undefined } } {
  const account = target?.account;
  if (resolution?.kind !== "environment") {
    const origin = resolution ? `configuration ${resolution.file}` : "no configuration file";
    return { via: { region: target?.region }, whereabouts: { origin, account } };
  }
  const { file, environment, reason } = resolution;
  return {
    via:
      flags.function === undefined
        ? { config: file, env: environment.name, region: flags.region }
        : { region: target?.region },
    whereabouts: { origin: `configuration ${file}, ${reason}`, account },
  };
}
