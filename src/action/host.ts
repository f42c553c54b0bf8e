import * as core from "@actions/core";
import { envInputReader } from "./inputs.js";
import type { ActionHost } from "./run.js";

/** The runner as @actions/core exposes it: workflow commands on stdout, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY. */
export function githubHost(env: NodeJS.ProcessEnv = process.env): ActionHost {
  return {
    readInput: envInputReader(env),
    info: (message) => core.info(message),
    notice: (message, title) => core.notice(message, title ? { title } : {}),
    warning: (message, title) => core.warning(message, title ? { title } : {}),
    error: (message, title) => core.error(message, title ? { title } : {}),
    setOutput: (name, value) => core.setOutput(name, value),
    async writeSummary(markdown) {
      if (!env.GITHUB_STEP_SUMMARY) return;
      await core.summary.addRaw(markdown).write();
    },
  };
}
