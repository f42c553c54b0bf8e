variable "environment" {
  description = "Environment name (production, staging); part of every resource name."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every resource name."
  type        = string
}

variable "artifact_bucket" {
  description = "Artifact bucket (shared by the environments)."
  type        = string
}

variable "artifact_prefix" {
  description = "Key prefix under which lambda-rollout uploads packages."
  type        = string
}

variable "bootstrap_s3_key" {
  description = "Key of the bootstrap package the function is created from."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the function's log group, in days."
  type        = number
}

variable "ci_identity" {
  description = "iam_user, github_oidc or none; see the lambda-rollout-target module."
  type        = string
}

variable "github_oidc_provider_arn" {
  description = "GitHub OIDC provider ARN (ci_identity = github_oidc)."
  type        = string
  default     = null
}

variable "github_repository" {
  description = "OWNER/NAME allowed to deploy (ci_identity = github_oidc)."
  type        = string
  default     = null
}

variable "github_owner_id" {
  description = "Numeric id of the repository's owner, for GitHub's immutable OIDC subject (see the lambda-rollout-target module)."
  type        = number
  default     = null
}

variable "github_repository_id" {
  description = "Numeric id of the repository, for GitHub's immutable OIDC subject."
  type        = number
  default     = null
}

variable "tags" {
  description = "Tags for all resources."
  type        = map(string)
  default     = {}
}
