/**
 * The least-privilege policy of the identity that runs `lambda-rollout` for one deploy target.
 *
 * This is the source of truth for what the tool needs. The Terraform module
 * `terraform/modules/lambda-rollout-target` renders the same grants with `aws_iam_policy_document`;
 * `test/infra` applies it against moto and asserts both grant the same actions on the same resources.
 * Change both together.
 */

import { artifactKeyPrefix } from "../artifact/key.js";
import { InputError } from "../errors.js";
import { OWNED_ALARM_PREFIX } from "../health/metric-alarm.js";
import { type LedgerLocation, ledgerLocation } from "../rollout/ledger/location.js";

export interface DeployerTarget {
  functionName: string;
  /** Accepted for completeness: Lambda authorizes alias calls against the function ARN, not the alias. */
  aliasName: string;
  region: string;
  /** A 12-digit account id, or `*` when the policy is rendered without knowing the account. */
  accountId: string;
  bucket: string;
  /** Key prefix of the artifact store; artifacts live at `PREFIX/FUNCTION/SHA256.zip`. May be empty. */
  prefix: string;
  /** Alarms the health gate reads with DescribeAlarms. */
  alarmNames: string[];
  /** `aws` unless the account is in another partition (`aws-cn`, `aws-us-gov`). */
  partition?: string;
  /**
   * The configuration opts in to pruning (`prune: { keep: N }`): adds ListAliases and DeleteFunction on
   * the function's versions. Without it the policy cannot delete anything.
   */
  prune?: boolean;
  /** Name of the state machine that runs server-side roll-outs (`--engine stepfunctions`), if any. */
  stateMachineName?: string | undefined;
  /** Where the roll-out ledger is (rollout/ledger); default: `PREFIX/rollouts/` in the artifact bucket. */
  ledger?: LedgerLocation | undefined;
}

export type ConditionBlock = Record<string, Record<string, string[]>>;

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/**
 * What the tool calls on its function, for deploy, rollback, promote, approve and status. GetFunction and
 * GetFunctionConfiguration are both read paths to the same state (the waiter for LastUpdateStatus uses
 * either, depending on SDK version).
 */
export const LAMBDA_ACTIONS: readonly string[] = [
  "lambda:GetAlias",
  "lambda:GetFunction",
  "lambda:GetFunctionConfiguration",
  // Validation refuses a weighted roll-out on an alias with provisioned concurrency (read on `F:alias`).
  "lambda:GetProvisionedConcurrencyConfig",
  "lambda:InvokeFunction",
  // Durable functions: prune keeps, and a rollback reports, versions durable executions still run on.
  "lambda:ListDurableExecutionsByFunction",
  "lambda:ListVersionsByFunction",
  "lambda:PublishVersion",
  "lambda:UpdateAlias",
  "lambda:UpdateFunctionCode",
  // Lambda Managed Instances: the new version gets the stable one's scaling, on `F:version`.
  "lambda:GetFunctionScalingConfig",
  "lambda:PutFunctionScalingConfig",
];

/**
 * GetObject also authorizes HeadObject, which the content-addressed upload uses (with ChecksumMode, to
 * read the stored SHA-256) to skip re-uploading a package that is already there intact.
 */
export const ARTIFACT_OBJECT_ACTIONS: readonly string[] = ["s3:GetObject", "s3:PutObject"];

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ACCOUNT = /^(\d{12}|\*)$/;
const REGION = /^([a-z]{2}(-[a-z]+)+-\d|\*)$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ALARM_NAME = /^[^*?]{1,255}$/;
const PARTITION = /^aws(-[a-z]+)*$/;
const STATE_MACHINE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

function check(problems: string[], ok: boolean, problem: string): void {
  if (!ok) problems.push(problem);
}

function validate(target: DeployerTarget): void {
  const problems: string[] = [];
  check(
    problems,
    FUNCTION_NAME.test(target.functionName),
    `function name ${JSON.stringify(target.functionName)} must be 1-64 letters, digits, '-' or '_' (a name, not an ARN)`,
  );
  check(problems, target.aliasName.length > 0, "alias name must not be empty");
  check(
    problems,
    REGION.test(target.region),
    `region ${JSON.stringify(target.region)} is not a region such as us-east-1`,
  );
  check(
    problems,
    ACCOUNT.test(target.accountId),
    `account ${JSON.stringify(target.accountId)} must be 12 digits or "*"`,
  );
  check(
    problems,
    BUCKET.test(target.bucket),
    `bucket ${JSON.stringify(target.bucket)} is not a valid S3 bucket name`,
  );
  check(
    problems,
    !/[*?]/.test(target.prefix),
    `prefix ${JSON.stringify(target.prefix)} must not contain wildcards`,
  );
  for (const name of target.alarmNames) {
    check(problems, ALARM_NAME.test(name), `alarm name ${JSON.stringify(name)} must not contain wildcards`);
  }
  if (target.stateMachineName !== undefined) {
    check(
      problems,
      STATE_MACHINE_NAME.test(target.stateMachineName),
      `state machine name ${JSON.stringify(target.stateMachineName)} must be 1-80 letters, digits, '-' or '_'`,
    );
  }
  const partition = target.partition ?? "aws";
  check(
    problems,
    PARTITION.test(partition),
    `partition ${JSON.stringify(partition)} is not an AWS partition`,
  );
  if (problems.length > 0) {
    throw new InputError(`cannot build the deployer policy: ${problems.join("; ")}`, {
      context: { functionName: target.functionName, alias: target.aliasName },
    });
  }
}

/** The IAM policy document that lets `lambda-rollout` deploy, roll back and report on one target. */
/** DescribeAlarms on the named alarms only: the deployer's and the state machine role's gate reads. */
function readAlarms(alarmNames: string[], partition: string, target: DeployerTarget): PolicyStatement {
  return {
    Sid: "ReadAlarms",
    Effect: "Allow",
    Action: ["cloudwatch:DescribeAlarms"],
    Resource: alarmNames.map(
      (name) => `arn:${partition}:cloudwatch:${target.region}:${target.accountId}:alarm:${name}`,
    ),
  };
}

/**
 * The alarms server-side metric gates own (health/metric-alarm.ts), all named `lambda-rollout/FUNCTION/…`:
 * `/` cannot occur in a function name, so the wildcard covers this function's alarms and no one else's.
 */
function ownedAlarmsArn(target: DeployerTarget, partition: string): string {
  return `arn:${partition}:cloudwatch:${target.region}:${target.accountId}:alarm:${OWNED_ALARM_PREFIX}${target.functionName}/*`;
}

/**
 * The ledger: this function's alias locks and roll-out records (both keyed by account, region and
 * function), the records of releases to read (a release may hold this function's alias: status, prune
 * and rollback read its record; releasePolicy lets a release's deployer write them), and ListBucket on
 * the ledger prefix so a lock not taken yet answers 404, not 403.
 */
function ledgerStatements(target: DeployerTarget, partition: string): PolicyStatement[] {
  const ledger = target.ledger ?? (ledgerLocation(undefined, target) as LedgerLocation);
  const objects = `arn:${partition}:s3:::${ledger.bucket}/${ledger.prefix}`;
  return [
    {
      Sid: "LedgerObjects",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: [
        `${objects}aliases/${target.accountId}/${target.region}/${target.functionName}/*`,
        `${objects}records/${target.accountId}/${target.region}/${target.functionName}/*`,
      ],
    },
    { Sid: "LedgerReleases", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${objects}releases/*`] },
    {
      Sid: "LedgerListing",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [`arn:${partition}:s3:::${ledger.bucket}`],
      Condition: { StringLike: { "s3:prefix": [`${ledger.prefix}*`] } },
    },
  ];
}

export function deployerPolicy(target: DeployerTarget): PolicyDocument {
  validate(target);
  const partition = target.partition ?? "aws";
  const functionArn = `arn:${partition}:lambda:${target.region}:${target.accountId}:function:${target.functionName}`;
  const keyPrefix = artifactKeyPrefix(target.prefix, target.functionName);
  const alarmNames = [...new Set(target.alarmNames)].sort();

  const statements: PolicyStatement[] = [
    {
      Sid: "DeployFunction",
      Effect: "Allow",
      Action: [...LAMBDA_ACTIONS],
      // Unqualified for the function, qualified (`:live`, `:7`) for alias and version calls.
      Resource: [functionArn, `${functionArn}:*`],
    },
    {
      Sid: "ArtifactObjects",
      Effect: "Allow",
      Action: [...ARTIFACT_OBJECT_ACTIONS],
      Resource: [`arn:${partition}:s3:::${target.bucket}/${keyPrefix}*`],
    },
    {
      // Lets HeadObject answer 404 instead of 403 for an artifact not uploaded yet.
      Sid: "ArtifactListing",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [`arn:${partition}:s3:::${target.bucket}`],
      Condition: { StringLike: { "s3:prefix": [`${keyPrefix}*`] } },
    },
    ...ledgerStatements(target, partition),
  ];
  if (target.prune) {
    statements.push(
      { Sid: "PruneListAliases", Effect: "Allow", Action: ["lambda:ListAliases"], Resource: [functionArn] },
      {
        // DeleteFunction with a Qualifier is authorised on the qualified ARN (`F:7`). `F:*` cannot match
        // the unqualified `F` (the ARN must go on with ":"), which would delete the function itself;
        // prune never sends an unqualified delete anyway (the adapter refuses anything but a number).
        Sid: "PruneVersions",
        Effect: "Allow",
        Action: ["lambda:DeleteFunction"],
        Resource: [`${functionArn}:*`],
      },
    );
  }
  if (alarmNames.length > 0) statements.push(readAlarms(alarmNames, partition, target));
  if (target.stateMachineName !== undefined) {
    const states = `arn:${partition}:states:${target.region}:${target.accountId}`;
    statements.push(
      {
        // DescribeStateMachine: the read before any write that tells a missing machine (exit 2) apart.
        Sid: "StartRollouts",
        Effect: "Allow",
        Action: ["states:DescribeStateMachine", "states:StartExecution"],
        Resource: [`${states}:stateMachine:${target.stateMachineName}`],
      },
      {
        // Follow (history), report (status) and stop (rollback, promote) that machine's executions.
        Sid: "FollowRollouts",
        Effect: "Allow",
        Action: ["states:DescribeExecution", "states:GetExecutionHistory", "states:StopExecution"],
        Resource: [`${states}:execution:${target.stateMachineName}:*`],
      },
      {
        // The metric gate's own alarm: created before the start, deleted at the end, and found again by
        // its name's prefix when a detached or killed run left it.
        Sid: "OwnedAlarms",
        Effect: "Allow",
        Action: ["cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm"],
        Resource: [ownedAlarmsArn(target, partition)],
      },
    );
  }
  statements.push({
    // GetMetricData has no resource-level permissions: "*" is the only resource it accepts.
    Sid: "ReadMetrics",
    Effect: "Allow",
    Action: ["cloudwatch:GetMetricData"],
    Resource: ["*"],
  });
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * What `preview` reads, and nothing else: the function, its alias, versions and provisioned
 * concurrency (the deploy's validation reads), the named alarms, and the ledger's locks and records of
 * this function (and releases') to say whether a roll-out holds the alias. No write, no artifact, no
 * invocation: a pull request's workflow may run with it.
 */
export const PREVIEW_LAMBDA_ACTIONS: readonly string[] = [
  "lambda:GetAlias",
  "lambda:GetFunction",
  "lambda:GetFunctionConfiguration",
  "lambda:GetProvisionedConcurrencyConfig",
];

export function previewPolicy(target: DeployerTarget): PolicyDocument {
  validate(target);
  const partition = target.partition ?? "aws";
  const functionArn = `arn:${partition}:lambda:${target.region}:${target.accountId}:function:${target.functionName}`;
  const alarmNames = [...new Set(target.alarmNames)].sort();
  const [objects, releases, listing] = ledgerStatements(target, partition);
  const statements: PolicyStatement[] = [
    {
      Sid: "PreviewFunction",
      Effect: "Allow",
      Action: [...PREVIEW_LAMBDA_ACTIONS],
      Resource: [functionArn, `${functionArn}:*`],
    },
    // The ledger read-only: the same objects the deployer writes, GetObject alone.
    { ...(objects as PolicyStatement), Sid: "LedgerRead", Action: ["s3:GetObject"] },
    releases as PolicyStatement,
    listing as PolicyStatement,
  ];
  if (alarmNames.length > 0) statements.push(readAlarms(alarmNames, partition, target));
  return { Version: "2012-10-17", Statement: statements };
}

export interface StateMachinePolicy {
  Version: "2012-10-17";
  Statement: (Omit<PolicyStatement, "Effect"> & { Effect: "Allow" | "Deny" })[];
}

/**
 * The policy of the role the state machine runs as (Terraform `create_state_machine`): UpdateAlias and
 * GetAlias on the function and its alias only, InvokeFunction on its published versions only (the alias,
 * `$LATEST` and the unqualified function are denied: IAM wildcards cannot say "digits"), DescribeAlarms
 * on the named alarms and the function's own metric-gate alarms only. The Terraform module renders the same statements.
 */
export function stateMachineRolePolicy(target: DeployerTarget): StateMachinePolicy {
  validate(target);
  const partition = target.partition ?? "aws";
  const functionArn = `arn:${partition}:lambda:${target.region}:${target.accountId}:function:${target.functionName}`;
  const alarmNames = [...new Set(target.alarmNames)].sort();
  const statements: StateMachinePolicy["Statement"] = [
    {
      Sid: "ShiftAlias",
      Effect: "Allow",
      Action: ["lambda:GetAlias", "lambda:UpdateAlias"],
      Resource: [functionArn, `${functionArn}:${target.aliasName}`],
    },
    {
      Sid: "SmokeVersions",
      Effect: "Allow",
      Action: ["lambda:InvokeFunction"],
      Resource: [`${functionArn}:*`],
    },
    {
      Sid: "OnlyVersions",
      Effect: "Deny",
      Action: ["lambda:InvokeFunction"],
      Resource: [functionArn, `${functionArn}:${target.aliasName}`, `${functionArn}:$LATEST`],
    },
    {
      // The metric gate's own alarm, watched like a named one.
      Sid: "ReadOwnedAlarms",
      Effect: "Allow",
      Action: ["cloudwatch:DescribeAlarms"],
      Resource: [ownedAlarmsArn(target, partition)],
    },
  ];
  if (alarmNames.length > 0) statements.push(readAlarms(alarmNames, partition, target));
  return { Version: "2012-10-17", Statement: statements };
}
