/**
 * Provisioned concurrency on the alias. Lambda refuses weighted routing on an alias that has it
 * ("Alias with weights can not be used with Provisioned Concurrency"), so a canary or linear plan would
 * fail at its first step. Found during validation instead: exit 2, nothing changed, and the fix.
 *
 * AllAtOnce is allowed: an UpdateAlias that only changes the version is what Lambda supports with
 * provisioned concurrency on the alias (it brings the new version's provisioned instances up itself).
 * Such a plan is not checked at all.
 */
import { AwsError, CredentialsExpiredError, InputError } from "../../errors.js";
import type { Plan } from "../../plan/plan.js";
import type { LambdaPort } from "../../ports.js";
import type { RolloutEvent } from "../events.js";

export async function assertNoProvisionedConcurrency(
  lambda: LambdaPort,
  target: { functionName: string; aliasName: string; plan: Plan },
  emit: (event: RolloutEvent) => void,
  signal?: AbortSignal | undefined,
): Promise<void> {
  const { functionName, aliasName, plan } = target;
  const first = plan.steps[0];
  if (first === undefined) return;
  let provisioned: Awaited<ReturnType<LambdaPort["getProvisionedConcurrency"]>>;
  try {
    provisioned = await lambda.getProvisionedConcurrency(functionName, aliasName, { signal });
  } catch (error) {
    // A policy from before this check: say so, and carry on as before it existed.
    const denied =
      error instanceof AwsError &&
      !(error instanceof CredentialsExpiredError) &&
      (error.status === 403 || /AccessDenied/i.test(error.code ?? ""));
    if (denied) {
      emit({
        type: "warning",
        message: `Could not check ${functionName}:${aliasName} for provisioned concurrency (access denied); if it has some, Lambda will refuse the first weighted step. Add lambda:GetProvisionedConcurrencyConfig to the deploy policy (\`lambda-rollout iam-policy\` prints it).`,
      });
      return;
    }
    throw error;
  }
  if (provisioned === undefined) return;
  throw new InputError(
    `Alias ${functionName}:${aliasName} has provisioned concurrency (${provisioned.requested} requested), and Lambda refuses weighted routing on such an alias: the plan's first step (${first.weight}%) could not be written. Nothing was changed.`,
    {
      context: { functionName, alias: aliasName },
      hint: `Deploy with --strategy AllAtOnce (strategy: AllAtOnce): one shift to 100%, which Lambda allows with provisioned concurrency on the alias. To keep a gradual plan, move the provisioned concurrency off the alias (aws lambda delete-provisioned-concurrency-config --function-name ${functionName} --qualifier ${aliasName}) and configure it on the published version instead.`,
    },
  );
}
