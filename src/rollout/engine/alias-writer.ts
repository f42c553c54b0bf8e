import {
  AwsError,
  ConflictError,
  CredentialsExpiredError,
  RollbackFailedError,
  RolloutError,
} from "../../errors.js";
import { formatDuration } from "../../plan/duration.js";
import { type AliasRouting, type AliasState, type Clock, type LambdaPort, sameRouting } from "../../ports.js";
import { type CommandVia, suggestedCommand } from "../commands.js";

/** `v7` for a published version; `$LATEST` as it is (it is no version number). */
export function versionLabel(version: string): string {
  return version === "$LATEST" ? version : `v${version}`;
}

export function describeRouting(routing: AliasRouting): string {
  if (!routing.additional) return `100% ${versionLabel(routing.version)}`;
  const weight = routing.additional.weight;
  return `${Number((100 - weight).toFixed(6))}% ${versionLabel(routing.version)} / ${weight}% ${versionLabel(routing.additional.version)}`;
}

export function manualRestoreCommands(
  functionName: string,
  aliasName: string,
  version: string,
  via: CommandVia = {},
): string {
  return [
    suggestedCommand("rollback", functionName, aliasName, via),
    `or: aws lambda update-alias --function-name ${functionName} --name ${aliasName} --function-version ${version} --routing-config 'AdditionalVersionWeights={}'`,
  ].join("\n");
}

/** Failures worth waiting out while restoring: throttling, 5xx, network, timeouts, updates in progress. */
function isPassing(error: unknown): boolean {
  // CredentialsExpiredError is never retryable: only fresh credentials help.
  return error instanceof AwsError && error.retryable;
}

/**
 * ` in REGION` for a message and ` --region REGION` for a command, when the alias's region was named
 * (a release's functions, where one name may live in several regions); nothing otherwise.
 */
export function regionWords(region: string | undefined): { in: string; flag: string } {
  return region ? { in: ` in ${region}`, flag: ` --region ${region}` } : { in: "", flag: "" };
}

/** Someone else changed the alias's routing: this run must not touch it again. */
export class ForeignChangeError extends ConflictError {
  constructor(
    readonly found: AliasState,
    expected: string,
    whileDoing: string,
    via: CommandVia = {},
  ) {
    const words = regionWords(via.region);
    super(
      `Alias ${found.functionName}:${found.aliasName}${words.in} was changed by someone else ${whileDoing} (expected ${expected}, found ${describeRouting(found)}). This run leaves it as they set it.`,
      {
        context: { functionName: found.functionName, alias: found.aliasName },
        hint: `Inspect it with \`${suggestedCommand("status", found.functionName, found.aliasName, via)}\`, then use \`rollback\` or \`promote\` if it is still split.`,
      },
    );
  }
}

export interface WriteOptions {
  signal?: AbortSignal | undefined;
  /** Says what the writer noticed (a RevisionId-only change it carried on through). */
  note?: ((message: string) => void) | undefined;
  /** The alias description written with the routing (progress, see progress.ts). */
  description?: string | undefined;
}

export interface RestoreOptions {
  clock: Clock;
  /** The alias description written with the restored routing. */
  description?: string | undefined;
  /** How long to keep trying through throttling and outages before giving up (exit 5). */
  timeoutMs: number;
  /** Says what the restore is waiting for. */
  note: (message: string) => void;
}

const RESTORE_FIRST_DELAY_MS = 1_000;
const RESTORE_MAX_DELAY_MS = 10_000;
/** RevisionId-only changes (a description edited mid-roll-out) tolerated per write before giving up. */
const REVISION_RETRIES = 3;

/**
 * Writes alias routing for one roll-out and remembers every routing it asked for, so it can tell its
 * own writes (including those whose reply was lost) from someone else's. UpdateAlias carries the
 * RevisionId last seen: on AWS that precondition is what catches concurrent writers.
 */
export class AliasWriter {
  private current: AliasState;
  private readonly requested: AliasRouting[];

  /** `region`: named in its conflicts (a release's functions), with `--region` in their hints. */
  constructor(
    private readonly lambda: LambdaPort,
    initial: AliasState,
    /** How the user named the target: the commands in its messages name it the same way. */
    private readonly via: CommandVia = {},
  ) {
    this.current = initial;
    this.requested = [{ version: initial.version, additional: initial.additional }];
  }

  get state(): AliasState {
    return this.current;
  }

  /** True until this run asks for its first write. */
  isUntouched(): boolean {
    return this.requested.length === 1;
  }

  /** True for any routing this run asked for (or started from). */
  isOwn(routing: AliasRouting): boolean {
    return this.requested.some((own) => sameRouting(own, routing));
  }

  /**
   * Takes a fresh read of the alias between writes (a bake poll). The routing must still be the one
   * this run last set: anything else is someone else's change (ForeignChangeError, which the engine
   * examines: an operator's `promote` or `rollback` ends the run as they chose). A RevisionId or
   * description that moved on its own (an `approve`, a description edited by hand or by Terraform) is
   * adopted, so the next write carries the new RevisionId.
   */
  observe(live: AliasState): AliasState {
    if (!sameRouting(live, this.current)) {
      throw new ForeignChangeError(live, describeRouting(this.current), "during the roll-out", this.via);
    }
    this.current = live;
    return live;
  }

  /**
   * Takes `live`, set by an operator (a release's `promote` or `rollback`), as this run's own from now
   * on: a later restore treats it as a routing this run may move back, and the writer counts as used.
   */
  adopt(live: AliasState): void {
    this.requested.push({ version: live.version, additional: live.additional });
    this.current = live;
  }

  /**
   * Sets `routing`, with no read first: the write carries the RevisionId last seen, and Lambda refuses
   * it (PreconditionFailedException, a ConflictError from the adapter) if anyone changed the alias
   * since (https://docs.aws.amazon.com/lambda/latest/api/API_UpdateAlias.html). Only then is the alias
   * read, to say whose change it was: when it already routes as asked, our write landed (its reply was
   * lost); when only the RevisionId moved and the routing is still ours (a description edited by hand
   * or by Terraform, an `approve`), the write is retried on the new revision; anything else is someone
   * else's change (ForeignChangeError: an operator's promote or rollback, or a conflict, exit 3).
   */
  async write(routing: AliasRouting, options: WriteOptions = {}) {
    const { signal, note, description } = options;
    this.requested.push(routing);
    for (let attempt = 0; ; attempt++) {
      try {
        this.current = await this.lambda.updateAlias(
          this.current.functionName,
          this.current.aliasName,
          routing,
          this.current.revisionId,
          { signal, description },
        );
        return this.current;
      } catch (error) {
        if (!(error instanceof ConflictError) || error instanceof ForeignChangeError) throw error;
        const live = await this.lambda.getAlias(this.current.functionName, this.current.aliasName, {
          signal,
        });
        if (sameRouting(live, routing)) {
          this.current = live;
          return live;
        }
        if (!sameRouting(live, this.current) || attempt >= REVISION_RETRIES) {
          throw new ForeignChangeError(live, describeRouting(this.current), "during the roll-out", this.via);
        }
        note?.(
          `The alias's RevisionId changed but its routing is still ${describeRouting(live)} (its description was probably edited); continuing on the new revision.`,
        );
        this.current = live;
      }
    }
  }

  /**
   * Puts 100% back on `stableVersion` with no routing left. The write carries the RevisionId last seen,
   * so no cached routing is trusted: if anything moved the alias since (a write of ours whose reply was
   * lost, an operator, anyone), Lambda refuses it, and only then is the alias read. Already restored:
   * done; a routing this run asked for: written again on the new revision; a routing this run never
   * asked for is someone else's: left alone (ForeignChangeError, exit 3). Throttling and outages are
   * waited out for `timeoutMs`, saying what it waits for; otherwise failure is RollbackFailedError
   * (exit 5) with the exact command to run.
   */
  async restore(stableVersion: string, why: string, options: RestoreOptions): Promise<AliasState> {
    const { clock } = options;
    const { functionName, aliasName } = this.current;
    const target: AliasRouting = { version: stableVersion };
    this.requested.push(target);
    const deadline = clock.now() + options.timeoutMs;
    let delay = RESTORE_FIRST_DELAY_MS;
    /** Set by a failed precondition: the alias moved since it was last seen, so it is read first. */
    let moved = false;
    for (;;) {
      const remaining = deadline - clock.now();
      const signal = AbortSignal.timeout(Math.max(1, remaining));
      try {
        if (moved) {
          const live = await this.lambda.getAlias(functionName, aliasName, { signal });
          this.current = live;
          if (sameRouting(live, target)) return live;
          if (!this.isOwn(live)) {
            throw new ForeignChangeError(
              live,
              `a routing this run wrote`,
              "before it could be restored",
              this.via,
            );
          }
          moved = false;
        }
        this.current = await this.lambda.updateAlias(
          functionName,
          aliasName,
          target,
          this.current.revisionId,
          {
            signal,
            description: options.description,
          },
        );
        return this.current;
      } catch (error) {
        if (error instanceof ForeignChangeError) throw error;
        // A failed precondition means the alias moved since it was last seen: read it at once.
        if (error instanceof ConflictError && clock.now() < deadline) {
          moved = true;
          continue;
        }
        if (error instanceof CredentialsExpiredError) {
          throw expiredCredentialsRollbackError(this.current, stableVersion, why, error, this.via);
        }
        if (!isPassing(error) || clock.now() >= deadline) {
          throw this.failed(stableVersion, why, error, options.timeoutMs);
        }
        const left = deadline - clock.now();
        const wait = Math.min(delay, left);
        options.note(
          `Restoring ${functionName}:${aliasName} to v${stableVersion}: AWS did not answer (${reason(error)}); trying again in ${formatDuration(Math.max(wait, 1))}, for up to ${formatDuration(Math.max(left, 1))} more (--restore-timeout).`,
        );
        await clock.sleep(wait);
        delay = Math.min(delay * 2, RESTORE_MAX_DELAY_MS);
      }
    }
  }

  private failed(stableVersion: string, why: string, error: unknown, timeoutMs: number): RollbackFailedError {
    const { functionName, aliasName } = this.current;
    return new RollbackFailedError(
      `Rollback of ${functionName}:${aliasName} to v${stableVersion} after ${why} failed (tried for ${formatDuration(timeoutMs)}): ${reason(error)}. The alias may still be split: last seen ${describeRouting(this.current)}.`,
      {
        cause: error,
        context: { functionName, alias: aliasName },
        hint: `Run:\n${manualRestoreCommands(functionName, aliasName, stableVersion, this.via)}`,
      },
    );
  }
}

function reason(error: unknown): string {
  if (error instanceof RolloutError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * The exit-5 error when the rollback itself met expired credentials: no retry can help, so it says
 * what routing this run left behind and what to run once someone has fresh credentials.
 */
export function expiredCredentialsRollbackError(
  left: AliasState,
  stableVersion: string,
  why: string,
  cause: AwsError,
  via: CommandVia = {},
): RollbackFailedError {
  const target = `${left.functionName}:${left.aliasName}`;
  return new RollbackFailedError(
    `Rollback of ${target} to v${stableVersion} failed: the AWS credentials expired or are no longer valid (${cause.code ?? "no code"}), so nothing can restore the alias from here. It was left as this run last set it: ${describeRouting(left)}. The roll-out was stopping because: ${why.replace(/\.$/, "")}.`,
    {
      cause,
      context: { functionName: left.functionName, alias: left.aliasName },
      hint: `With fresh AWS credentials, run:\n${manualRestoreCommands(left.functionName, left.aliasName, stableVersion, via)}`,
    },
  );
}
