# ---------------------------------------------------------------------------------------------------
# The function
# ---------------------------------------------------------------------------------------------------

variable "function_name" {
  description = "Name of the Lambda function (1-64 letters, digits, '-' or '_')."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 letters, digits, '-' or '_'."
  }
}

variable "alias_name" {
  description = "Name of the weighted alias that lambda-rollout shifts. Terraform creates it on $LATEST and never moves it again."
  type        = string
  default     = "live"
}

variable "execution_role_arn" {
  description = "ARN of the function's execution role (created by the caller, who knows what the code may access)."
  type        = string
}

variable "runtime" {
  description = "Lambda runtime. nodejs24.x needs hashicorp/aws 6.20 or later; 5.x rejects it."
  type        = string
  default     = "nodejs22.x"
}

variable "handler" {
  description = "Handler in FILE.EXPORT form, e.g. handler.handler."
  type        = string
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
  default     = 128
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
  default     = 10
}

variable "architectures" {
  description = "Instruction set architectures: [\"x86_64\"] or [\"arm64\"]."
  type        = list(string)
  default     = ["x86_64"]
}

variable "environment_variables" {
  description = "Environment variables of the function. Owned by Terraform: lambda-rollout changes code only."
  type        = map(string)
  default     = {}
}

variable "description" {
  description = "Description of the function."
  type        = string
  default     = "Deployed by lambda-rollout; infrastructure managed by Terraform."
}

variable "tags" {
  description = "Tags for every taggable resource of the module."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------------
# Artifacts
# ---------------------------------------------------------------------------------------------------

variable "artifact_bucket" {
  description = "S3 bucket holding deployment packages. lambda-rollout uploads to s3://BUCKET/PREFIX/FUNCTION/SHA256.zip."
  type        = string
}

variable "artifact_prefix" {
  description = "Key prefix of the artifact store (may be empty). The deployer may only read and write under PREFIX/FUNCTION/."
  type        = string
  default     = ""
}

variable "ledger_bucket" {
  description = "Bucket of the roll-out ledger (records, alias locks, history). Default: artifact_bucket, as lambda-rollout uses it without `ledger:` in its configuration."
  type        = string
  default     = null
}

variable "ledger_prefix" {
  description = "Key prefix of the ledger. Default: ARTIFACT_PREFIX/rollouts/ (rollouts/ with ledger_bucket set), as lambda-rollout uses it."
  type        = string
  default     = null
}

variable "bootstrap_s3_key" {
  description = "Key (in artifact_bucket) of the package the function is created from. Only used at creation: later code belongs to lambda-rollout."
  type        = string
}

# ---------------------------------------------------------------------------------------------------
# Logs and alarms
# ---------------------------------------------------------------------------------------------------

variable "log_retention_days" {
  description = "Retention of the function's log group /aws/lambda/FUNCTION, in days."
  type        = number
  default     = 30
}

variable "create_error_alarm" {
  description = "Create a CloudWatch alarm on the alias's Errors metric (dimensions FunctionName and Resource = FUNCTION:ALIAS)."
  type        = bool
  default     = true
}

variable "error_alarm_threshold" {
  description = "Errors (Sum over one period) at or above which the error alarm fires."
  type        = number
  default     = 1
}

variable "error_alarm_period" {
  description = "Period of the error alarm in seconds (Lambda metrics have 60-second resolution)."
  type        = number
  default     = 60
}

variable "error_alarm_evaluation_periods" {
  description = "Number of periods the error alarm evaluates."
  type        = number
  default     = 1
}

variable "alarm_actions" {
  description = "ARNs (e.g. SNS topics) notified when the error alarm fires."
  type        = list(string)
  default     = []
}

variable "extra_alarm_names" {
  description = "Names of alarms created elsewhere (e.g. API Gateway 5XX) that lambda-rollout reads as health gates; the deployer may DescribeAlarms on them."
  type        = list(string)
  default     = []
}

variable "prune_versions" {
  description = "Let the deployer delete old published versions (lambda:DeleteFunction on FUNCTION:* only, and lambda:ListAliases), as `lambda-rollout prune` and `prune: { keep: N }` need."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------------------
# The CI identity
# ---------------------------------------------------------------------------------------------------

variable "ci_identity" {
  description = "Who gets the deployer policy: \"iam_user\" (a user with an access key), \"github_oidc\" (a role GitHub Actions assumes) or \"none\" (only output the policy)."
  type        = string
  default     = "none"

  validation {
    condition     = contains(["iam_user", "github_oidc", "none"], var.ci_identity)
    error_message = "ci_identity must be one of iam_user, github_oidc, none."
  }
}

variable "deployer_name" {
  description = "Name of the deployer IAM user or role and of its policy. Defaults to FUNCTION-deployer."
  type        = string
  default     = null
}

variable "iam_path" {
  description = "IAM path of the deployer user, role and policy."
  type        = string
  default     = "/"
}

variable "github_oidc_provider_arn" {
  description = "ARN of the account's token.actions.githubusercontent.com OIDC provider (created once per account, outside this module). Required for github_oidc."
  type        = string
  default     = null
}

variable "github_repository" {
  description = "The only repository, as OWNER/NAME, whose workflows may assume the role. Required for github_oidc."
  type        = string
  default     = null
}

variable "github_owner_id" {
  description = "Numeric id of the repository's owner (user or organization). Set it together with github_repository_id for a repository that uses GitHub's immutable OIDC subject claims: every repository created, renamed or transferred after 2026-07-15, and any that opted in. The role then trusts only sub = repo:OWNER@OWNER_ID/NAME@REPOSITORY_ID:..., never the name-only form. Find both with `gh api repos/OWNER/NAME --jq '.owner.id, .id'`."
  type        = number
  default     = null

  validation {
    condition     = var.github_owner_id == null || try(var.github_owner_id >= 1 && floor(var.github_owner_id) == var.github_owner_id, false)
    error_message = "github_owner_id must be the owner's numeric GitHub id, a whole number of at least 1 (gh api repos/OWNER/NAME --jq .owner.id)."
  }
}

variable "github_repository_id" {
  description = "Numeric id of the repository; see github_owner_id. Set both or neither (`gh api repos/OWNER/NAME --jq .id`)."
  type        = number
  default     = null

  validation {
    condition     = var.github_repository_id == null || try(var.github_repository_id >= 1 && floor(var.github_repository_id) == var.github_repository_id, false)
    error_message = "github_repository_id must be the repository's numeric GitHub id, a whole number of at least 1 (gh api repos/OWNER/NAME --jq .id)."
  }
}

variable "github_environment" {
  description = "GitHub environment the workflow job must run in (sub = repo:OWNER/NAME:environment:ENV, or the immutable form with github_owner_id and github_repository_id). Set this or github_branch."
  type        = string
  default     = null
}

variable "github_branch" {
  description = "Branch the workflow must run on (sub = repo:OWNER/NAME:ref:refs/heads/BRANCH, or the immutable form with github_owner_id and github_repository_id). Set this or github_environment."
  type        = string
  default     = null
}

variable "deployer_max_session_duration_seconds" {
  description = "Longest session (seconds) of the github_oidc role, the ceiling for role-duration-seconds in aws-actions/configure-aws-credentials. A session must outlast the longest roll-out plus the job's earlier steps (docs/guides/deploying.md: \"Credentials that outlive the roll-out\"). 3600-43200."
  type        = number
  default     = 3600

  validation {
    condition     = var.deployer_max_session_duration_seconds >= 3600 && var.deployer_max_session_duration_seconds <= 43200 && floor(var.deployer_max_session_duration_seconds) == var.deployer_max_session_duration_seconds
    error_message = "deployer_max_session_duration_seconds must be a whole number of seconds from 3600 (1 hour) to 43200 (12 hours), the range IAM allows."
  }
}

# ---------------------------------------------------------------------------------------------------
# Server-side roll-outs (deploy --engine stepfunctions)
# ---------------------------------------------------------------------------------------------------

variable "create_state_machine" {
  description = "Create the Step Functions state machine that runs roll-outs server-side (lambda-rollout deploy --engine stepfunctions) and its least-privilege role; the deployer may then start, follow and stop its executions."
  type        = bool
  default     = false
}

variable "state_machine_name" {
  description = "Name of the state machine (default FUNCTION-rollout, cut to 50 characters: the execution ARN must fit in the alias description)."
  type        = string
  default     = null

  validation {
    condition     = var.state_machine_name == null || can(regex("^[A-Za-z0-9_-]{1,50}$", var.state_machine_name))
    error_message = "state_machine_name must be 1-50 letters, digits, '-' or '_'."
  }
}

# ---------------------------------------------------------------------------------------------------
# Pull-request previews (lambda-rollout preview; preview.tf)
# ---------------------------------------------------------------------------------------------------

variable "create_preview_role" {
  description = "Create a read-only role that github_repository's pull_request workflows may assume (OIDC) to run `lambda-rollout preview` for this function. Needs github_oidc_provider_arn and github_repository."
  type        = bool
  default     = false
}
