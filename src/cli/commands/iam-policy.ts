import { generatePolicy, type IamPolicyFlags } from "../../iam/configured.js";
import type { CliIo } from "../io.js";

export type { IamPolicyFlags } from "../../iam/configured.js";

/**
 * `lambda-rollout iam-policy`: prints the least-privilege policy document for one deploy target or
 * release (with --preview, the read-only one `preview` needs).
 */
export async function iamPolicyCommand(flags: IamPolicyFlags, io: CliIo): Promise<number> {
  io.stdout.write(`${JSON.stringify(await generatePolicy(flags, io), null, 2)}\n`);
  return 0;
}
