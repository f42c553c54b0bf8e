/**
 * One error hierarchy; the exit code of every failure is decided here and nowhere else.
 * Deep code throws these; only entry points (CLI, Action) turn them into exit codes.
 */
export const ExitCode = {
  ok: 0,
  rolledBack: 1,
  invalidInput: 2,
  conflict: 3,
  awsError: 4,
  rollbackFailed: 5,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorContext {
  functionName?: string;
  alias?: string;
  fromVersion?: string;
  toVersion?: string;
}

export abstract class RolloutError extends Error {
  abstract readonly exitCode: ExitCodeValue;
  readonly context: ErrorContext;
  /** What the user should do about it, printed under the message. */
  readonly hint: string | undefined;

  constructor(message: string, options: { cause?: unknown; context?: ErrorContext; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.context = options.context ?? {};
    this.hint = options.hint;
  }
}

/** Bad flags, configuration or artifact, or a resource that does not exist. Nothing was changed. */
export class InputError extends RolloutError {
  readonly exitCode = ExitCode.invalidInput;
}

/**
 * A function, alias, bucket or other resource that does not exist where the run looked. The adapters
 * add where that was (region, endpoint, configuration), so a wrong file, region or account shows.
 */
export class NotFoundError extends InputError {
  /** True once the message says where the run looked. */
  readonly located: boolean;

  constructor(
    message: string,
    options: { cause?: unknown; context?: ErrorContext; hint?: string; located?: boolean } = {},
  ) {
    super(message, options);
    this.located = options.located ?? false;
  }

  /** The same error, its message ending with where the run looked (once). */
  lookedIn(place: string): NotFoundError {
    if (this.located) return this;
    return new NotFoundError(`${this.message.replace(/\.$/, "")} ${place}.`, {
      cause: this.cause,
      context: this.context,
      ...(this.hint ? { hint: this.hint } : {}),
      located: true,
    });
  }
}

/** The alias is mid-roll-out or changed under us. This run changed nothing live. */
export class ConflictError extends RolloutError {
  readonly exitCode = ExitCode.conflict;
}

/** AWS or network failure after retries. */
export class AwsError extends RolloutError {
  readonly exitCode = ExitCode.awsError;
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly retryable: boolean;
  constructor(
    message: string,
    options: {
      cause?: unknown;
      context?: ErrorContext;
      hint?: string;
      code?: string;
      status?: number;
      retryable?: boolean;
    } = {},
  ) {
    super(message, options);
    this.code = options.code;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * AWS refused the credentials themselves: an expired session token, or keys AWS no longer knows. Never
 * retried: the same credentials fail the same way until someone provides fresh ones.
 */
export class CredentialsExpiredError extends AwsError {
  override readonly retryable = false;
}

/** A health gate failed and the alias was restored. */
export class GateFailedError extends RolloutError {
  readonly exitCode = ExitCode.rolledBack;
}

/** SIGINT/SIGTERM arrived during a roll-out; the alias was restored. */
export class InterruptedError extends RolloutError {
  readonly exitCode = ExitCode.rolledBack;
}

/** A deploy waiting for manual approval got none within its approval timeout; the alias was restored. */
export class ApprovalTimeoutError extends RolloutError {
  readonly exitCode = ExitCode.rolledBack;
}

/** Restoring the alias failed: it may be split. The hint carries the exact command to run. */
export class RollbackFailedError extends RolloutError {
  readonly exitCode = ExitCode.rollbackFailed;
}

export function exitCodeOf(error: unknown): ExitCodeValue {
  return error instanceof RolloutError ? error.exitCode : ExitCode.awsError;
}

/**
 * An input problem found once a run had changed something is not "nothing changed" (exit 2): it is
 * reported as an AwsError (exit 4), saying where it was found. Other errors pass through.
 */
export function foundAfterChanges<E>(error: E, where: string): E | AwsError {
  if (!(error instanceof InputError)) return error;
  return new AwsError(`${error.message} (found ${where})`, {
    cause: error,
    context: error.context,
    ...(error.hint ? { hint: error.hint } : {}),
  });
}

/**
 * A conditional ledger write (rollout/ledger) found the object other than it expected: S3 answered 412
 * (If-Match: another writer replaced it; If-None-Match: it exists) or 409 (a create racing another).
 * The ledger decides what it means; on its own it is a conflict.
 */
export class LedgerRaceError extends ConflictError {
  constructor(readonly key: string) {
    super(`The ledger object ${key} changed or appeared meanwhile.`);
  }
}
