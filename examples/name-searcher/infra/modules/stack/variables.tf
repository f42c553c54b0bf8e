variable "environments" {
  description = "Environments to create, identical except for their name."
  type        = set(string)
  default     = ["production", "staging"]
}

variable "name_prefix" {
  description = "Prefix of every resource name."
  type        = string
  default     = "name-searcher"
}

variable "artifact_bucket_name" {
  description = "Name of the artifact bucket (globally unique in real AWS)."
  type        = string
}

variable "artifact_prefix" {
  description = "Key prefix under which lambda-rollout uploads packages (PREFIX/FUNCTION/SHA256.zip)."
  type        = string
  default     = "artifacts"
}

variable "force_destroy_artifacts" {
  description = "Let `terraform destroy` delete the artifact bucket with every package in it. Keep false in real accounts."
  type        = bool
  default     = false
}

variable "noncurrent_version_days" {
  description = "Days before a noncurrent version (a replaced package, an earlier write of a ledger record or lock) expires; null keeps them all. Current objects never expire."
  type        = number
  default     = 30
  validation {
    condition     = var.noncurrent_version_days == null || try(var.noncurrent_version_days >= 1, false)
    error_message = "noncurrent_version_days must be at least 1, or null."
  }
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups, in days."
  type        = number
  default     = 30
}

variable "ci_identity" {
  description = "CI identity per environment: iam_user (access key, as in the article), github_oidc or none."
  type        = string
  default     = "iam_user"
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
