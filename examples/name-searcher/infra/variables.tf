variable "region" {
  description = "AWS region of both environments."
  type        = string
  default     = "us-east-1"
}

variable "artifact_bucket_name" {
  description = "Name of the artifact bucket (globally unique), e.g. name-searcher-artifacts-ACCOUNT."
  type        = string
}

variable "ci_identity" {
  description = "iam_user (an access key per environment, as in the article) or github_oidc (a role per environment)."
  type        = string
  default     = "iam_user"
}

variable "github_oidc_provider_arn" {
  description = "ARN of the account's GitHub OIDC provider (ci_identity = github_oidc)."
  type        = string
  default     = null
}

variable "github_repository" {
  description = "OWNER/NAME of the repository allowed to deploy (ci_identity = github_oidc)."
  type        = string
  default     = null
}

variable "github_owner_id" {
  description = "Numeric id of the repository's owner (ci_identity = github_oidc): set it and github_repository_id for a repository created, renamed or transferred after 2026-07-15 (or opted in to immutable OIDC subjects). gh api repos/OWNER/NAME --jq '.owner.id, .id' prints both."
  type        = number
  default     = null
}

variable "github_repository_id" {
  description = "Numeric id of the repository (ci_identity = github_oidc); see github_owner_id."
  type        = number
  default     = null
}
