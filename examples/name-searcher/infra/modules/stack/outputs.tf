output "artifact_bucket" {
  description = "The artifact bucket (lambda-rollout --bucket)."
  value       = aws_s3_bucket.artifacts.id
}

output "artifact_prefix" {
  description = "The artifact prefix (lambda-rollout --prefix)."
  value       = var.artifact_prefix
}

output "environments" {
  description = "Per environment: function, alias, table, API and alarms (no secrets)."
  value       = { for name, env in module.environment : name => env.summary }
}

output "deployer_policies" {
  description = "Per environment: the deployer's IAM policy (JSON)."
  value       = { for name, env in module.environment : name => env.deployer_policy }
}

output "preview_policies" {
  description = "Per environment: the read-only IAM policy of `preview` (JSON)."
  value       = { for name, env in module.environment : name => env.preview_policy }
}

output "deployer_access_key_ids" {
  description = "Per environment: access key id of the deployer user (ci_identity = iam_user)."
  value       = { for name, env in module.environment : name => env.deployer_access_key_id }
}

output "deployer_secret_access_keys" {
  description = "Per environment: secret access key of the deployer user (ci_identity = iam_user)."
  value       = { for name, env in module.environment : name => env.deployer_secret_access_key }
  sensitive   = true
}
