import { stateMachineJson } from "../../stepfunctions/definition.js";
import type { CliIo } from "../io.js";

/**
 * `lambda-rollout state-machine`: the generic ASL definition for `deploy --engine stepfunctions`,
 * byte for byte the file the Terraform module ships.
 */
export function stateMachineCommand(io: CliIo): Promise<number> {
  io.stdout.write(stateMachineJson());
  return Promise.resolve(0);
}
