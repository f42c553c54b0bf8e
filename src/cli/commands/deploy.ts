import { scalarInputs } from "../../rollout/request/request.js";
import { deployFromInputs } from "../../run.js";
import type { CliIo } from "../io.js";
import { createSink } from "../output/sink.js";

/** The flags as commander names them: `--final-bake` is `finalBake`, repeatable flags are lists. */
export type DeployFlags = Record<string, string | string[] | boolean | undefined>;

const camel = (name: string) => name.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());

/**
 * `lambda-rollout deploy`. Every outcome, bad input included, is a result event (the last NDJSON line
 * with --json) whose exit code this returns.
 */
export async function deployCommand(flags: DeployFlags, io: CliIo): Promise<number> {
  const sink = createSink(io, flags.json === true);
  const list = (key: string) => (Array.isArray(flags[key]) ? (flags[key] as string[]) : undefined);
  try {
    const result = await deployFromInputs(
      {
        ...scalarInputs((name) => {
          const value = flags[camel(name)];
          return typeof value === "string" ? value : undefined;
        }),
        alarms: list("alarm"),
        smokePayloads: list("smokePayload"),
        preTrafficHooks: list("preTrafficHook"),
        postTrafficHooks: list("postTrafficHook"),
        notify: list("notify"),
        dryRun: flags.dryRun === true,
        allowFiringAlarms: flags.allowFiringAlarms === true,
        manualApproval: flags.manualApproval === true ? true : undefined,
        detach: flags.detach === true,
        requireGates: flags.requireGates === true ? true : undefined,
      },
      { env: io.env, cwd: io.cwd, emit: sink.emit, signal: io.signal },
    );
    return result.exitCode;
  } finally {
    sink.close();
  }
}
