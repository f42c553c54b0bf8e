import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument } from "../../src/iam/policy.js";

export const ACCOUNT = "123456789012";
export const PRINCIPAL = `arn:aws:iam::${ACCOUNT}:user/deployer`;

export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

export interface Call {
  action: string;
  resource: string;
  context?: Record<string, string>;
}

/** Runs one request through the simulator with `policy` as the only identity policy. */
export async function decide(policy: PolicyDocument, call: Call): Promise<Decision> {
  const response = await runSimulation(
    {
      request: {
        principal: PRINCIPAL,
        action: call.action,
        resource: { resource: call.resource, accountId: ACCOUNT },
        contextVariables: call.context ?? {},
      },
      identityPolicies: [{ name: "deployer", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (
    response.resultType === "error" &&
    JSON.stringify(response.errors).includes("multiple.resource.types")
  ) {
    return matchStatements(policy, call);
  }
  if (response.resultType === "error") {
    throw new Error(
      `simulation of ${call.action} on ${call.resource} failed: ${JSON.stringify(response.errors)}`,
    );
  }
  return response.overallResult;
}

export function label(call: Call): string {
  const context = call.context ? ` ${JSON.stringify(call.context)}` : "";
  return `${call.action} ${call.resource}${context}`;
}

/** IAM's glob: `*` any run of characters, `?` one; the whole string must match (case-sensitive). */
function glob(pattern: string): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`);
}

/**
 * For actions whose resource types share one ARN format (Lambda's "function alias" and "function
 * version" for GetProvisionedConcurrencyConfig), the simulator cannot tell which type a request is and
 * refuses. With only Allow statements and no conditions on them, IAM's decision is the same for either
 * type: allowed when some statement matches both the action and the resource.
 */
function matchStatements(policy: PolicyDocument, call: Call): Decision {
  for (const statement of policy.Statement) {
    const action = statement.Action.some((a) => new RegExp(glob(a).source, "i").test(call.action));
    if (action && statement.Condition !== undefined) {
      throw new Error(`cannot match ${call.action}: its statement ${statement.Sid} has a condition`);
    }
    const resource = statement.Resource.some((r) => glob(r).test(call.resource));
    if (action && resource) return "Allowed";
  }
  return "ImplicitlyDenied";
}
