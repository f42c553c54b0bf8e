import { ConflictError, CredentialsExpiredError, RollbackFailedError, RolloutError } from "../errors.js";
import { type AliasRouting, type AliasState, type LambdaPort, sameRouting } from "../ports.js";

export function describeRouting(routing: AliasRouting): string {
  if (!routing.additional) return `100% v${routing.version}`;
  const weight = routing.additional.weight;
  return `${Number((100 - weight).toFixed(2))}% v${routing.version} / ${weight}% v${routing.additional.version}`;
}

export function manualRestoreCommands(functionName: string, aliasName: string, version: string): string {
  return [
    `lambda-rollout rollback --function ${functionName} --alias ${aliasName}`,
    `or: aws lambda update-alias --function-name ${functionName} --name ${aliasName} --function-version ${version} --routing-config 'AdditionalVersionWeights={}'`,
  ].join("\n");
}

/**
 * Writes alias routing and remembers what it wrote. Before each write it re-reads the alias: the
 * RevisionId precondition catches concurrent writers on AWS, and comparing the routing catches them
 * where RevisionId is not enforced (the local emulator).
 */
export class AliasWriter {
  constructor(
    private readonly lambda: LambdaPort,
    private current: AliasState,
  ) {}

  get state(): AliasState {
    return this.current;
  }

  async write(routing: AliasRouting): Promise<AliasState> {
    const live = await this.lambda.getAlias(this.current.functionName, this.current.aliasName);
    if (live.revisionId !== this.current.revisionId || !sameRouting(live, this.current)) {
      throw new ConflictError(
        `Alias ${this.current.functionName}:${this.current.aliasName} was changed by someone else during the roll-out (expected ${describeRouting(this.current)}, found ${describeRouting(live)}).`,
        {
          context: { functionName: this.current.functionName, alias: this.current.aliasName },
          hint: "This run leaves the alias as it found it. Inspect it with `lambda-rollout status`, then use `rollback` or `promote`.",
        },
      );
    }
    this.current = await this.lambda.updateAlias(
      this.current.functionName,
      this.current.aliasName,
      routing,
      this.current.revisionId,
    );
    return this.current;
  }

  /** Puts 100% back on `stableVersion` with no routing left. Throws RollbackFailedError (exit 5). */
  async restore(stableVersion: string, why: string): Promise<AliasState> {
    const target: AliasRouting = { version: stableVersion };
    if (sameRouting(this.current, target)) return this.current;
    try {
      this.current = await this.lambda.updateAlias(
        this.current.functionName,
        this.current.aliasName,
        target,
        this.current.revisionId,
      );
      return this.current;
    } catch (error) {
      if (error instanceof CredentialsExpiredError)
        throw expiredCredentialsRollbackError(this.current, stableVersion, why, error);
      const cause = error instanceof RolloutError ? error.message : String(error);
      throw new RollbackFailedError(
        `Rollback of ${this.current.functionName}:${this.current.aliasName} to v${stableVersion} failed after ${why}: ${cause}. The alias may still be split (${describeRouting(this.current)}).`,
        {
          cause: error,
          context: { functionName: this.current.functionName, alias: this.current.aliasName },
          hint: `Run:\n${manualRestoreCommands(this.current.functionName, this.current.aliasName, stableVersion)}`,
        },
      );
    }
  }
}

/**
 * The exit-5 error when the rollback itself met expired credentials: no retry can help, so it says
 * what routing this run left behind and what to run once someone has fresh credentials.
 */
export function expiredCredentialsRollbackError(
  left: AliasState,
  stableVersion: string,
  why: string,
  cause: CredentialsExpiredError,
): RollbackFailedError {
  const target = `${left.functionName}:${left.aliasName}`;
  return new RollbackFailedError(
    `Rollback of ${target} to v${stableVersion} failed: the AWS credentials expired or are no longer valid (${cause.code ?? "no code"}), so nothing can restore the alias from here. It was left as this run last set it: ${describeRouting(left)}. The roll-out was stopping because: ${why.replace(/\.$/, "")}.`,
    {
      cause,
      context: { functionName: left.functionName, alias: left.aliasName },
      hint: `With fresh AWS credentials, run:\n${manualRestoreCommands(left.functionName, left.aliasName, stableVersion)}`,
    },
  );
}
