import * as core from "@actions/core";
import { inertLogText } from "./escape.js";
import { envInputReader } from "./inputs.js";
import type { ActionHost } from "./run.js";

function annotation(title: string | undefined): core.AnnotationProperties {
  return title ? { title: inertLogText(title) } : {};
}

/** The runner as @actions/core exposes it: workflow commands on stdout, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY. */
export function githubHost(env: NodeJS.ProcessEnv = process.env): ActionHost {
  return {
    readInput: envInputReader(env),
    // core.info prints text as is. Annotations are one command line each (core escapes newlines), so
    // a `##[` inside them could not start a command either; they are made inert all the same.
    info: (message) => core.info(inertLogText(message)),
    notice: (message, title) => core.notice(inertLogText(message), annotation(title)),
    warning: (message, title) => core.warning(inertLogText(message), annotation(title)),
    error: (message, title) => core.error(inertLogText(message), annotation(title)),
    setOutput: (name, value) => core.setOutput(name, value),
    setSecret: (value) => core.setSecret(value),
    async writeSummary(markdown) {
      if (!env.GITHUB_STEP_SUMMARY) return;
      await core.summary.addRaw(markdown).write();
    },
  };
}
