import { stateMachineJson } from "../../stepfunctions/definition.js";
import { releaseStateMachineJson } from "../../stepfunctions/release-definition.js";
import type { CliIo } from "../io.js";

/**
 * `lambda-rollout state-machine [--release]`: the generic ASL definition for `deploy --engine
 * stepfunctions` (one function), or with --release the one that runs a whole release of one region;
 * byte for byte the files the Terraform module ships.
 */
export function stateMachineCommand(io: CliIo, flags: { release?: boolean } = {}): Promise<number> {
  io.stdout.write(flags.release ? releaseStateMachineJson() : stateMachineJson());
  return Promise.resolve(0);
}
