output "summary" {
  description = "What lambda-rollout and the tests need to address this environment (no secrets, no policy)."
  value = {
    function_name       = module.function.function_name
    alias_name          = module.function.alias_name
    alias_arn           = module.function.alias_arn
    table_name          = aws_dynamodb_table.names.name
    api_id              = aws_api_gateway_rest_api.api.id
    api_stage           = aws_api_gateway_stage.api.stage_name
    api_url             = aws_api_gateway_stage.api.invoke_url
    artifact_bucket     = var.artifact_bucket
    artifact_prefix     = var.artifact_prefix
    artifact_key_prefix = module.function.artifact_key_prefix
    alarm_names         = module.function.alarm_names
    deployer_user_name  = module.function.deployer_user_name
    deployer_role_arn   = module.function.deployer_role_arn
  }
}

output "deployer_policy" {
  description = "The deployer's IAM policy (JSON), what `lambda-rollout iam-policy` prints for this environment."
  value       = module.function.deployer_policy_json
}

output "preview_policy" {
  description = "The read-only IAM policy of `preview` (JSON), what `lambda-rollout iam-policy --preview` prints for this environment."
  value       = module.function.preview_policy_json
}

output "deployer_access_key_id" {
  description = "Access key id of the environment's deployer user (ci_identity = iam_user)."
  value       = module.function.deployer_access_key_id
}

output "deployer_secret_access_key" {
  description = "Secret access key of the environment's deployer user (ci_identity = iam_user)."
  value       = module.function.deployer_secret_access_key
  sensitive   = true
}
