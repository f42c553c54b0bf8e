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
