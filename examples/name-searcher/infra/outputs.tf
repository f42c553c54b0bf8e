output "artifact_bucket" {
  description = "The artifact bucket (lambda-rollout --bucket)."
  value       = module.stack.artifact_bucket
}

output "artifact_prefix" {
  description = "The artifact prefix (lambda-rollout --prefix)."
  value       = module.stack.artifact_prefix
}

output "environments" {
  description = "Per environment: function, alias, table, API and alarms."
  value       = module.stack.environments
}

output "deployer_policies" {
  description = "Per environment: the deployer's IAM policy (JSON). Kept out of the apply's output for length: `terraform output -json deployer_policies` prints it."
  value       = module.stack.deployer_policies
  sensitive   = true
}

output "preview_policies" {
  description = "Per environment: the read-only IAM policy of `preview` (JSON). `terraform output -json preview_policies` prints it."
  value       = module.stack.preview_policies
}

output "deployer_access_key_ids" {
  description = "Per environment: access key id of the deployer (store as a CI secret)."
  value       = module.stack.deployer_access_key_ids
}

output "deployer_secret_access_keys" {
  description = "Per environment: secret access key of the deployer (store as a CI secret)."
  value       = module.stack.deployer_secret_access_keys
  sensitive   = true
}
