output "function_name" {
  description = "Name of the function (pass to lambda-rollout --function)."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "alias_name" {
  description = "Name of the alias lambda-rollout shifts (pass to --alias)."
  value       = aws_lambda_alias.live.name
}

output "alias_arn" {
  description = "ARN of the alias; point triggers and permissions here, not at the function."
  value       = aws_lambda_alias.live.arn
}

output "alias_invoke_arn" {
  description = "Invoke ARN of the alias, for API Gateway integrations."
  value       = aws_lambda_alias.live.invoke_arn
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.function.name
}

output "log_group_arn" {
  description = "ARN of the function's log group (without the trailing :*)."
  value       = aws_cloudwatch_log_group.function.arn
}

output "artifact_bucket" {
  description = "Bucket lambda-rollout uploads packages to (--bucket)."
  value       = var.artifact_bucket
}

output "artifact_prefix" {
  description = "Prefix lambda-rollout uploads under (--prefix), as given."
  value       = var.artifact_prefix
}

output "artifact_key_prefix" {
  description = "The key prefix (PREFIX/FUNCTION/) the deployer may write to."
  value       = local.artifact_key_stem
}

output "error_alarm_name" {
  description = "Name of the alias error alarm, or null when create_error_alarm is false."
  value       = var.create_error_alarm ? aws_cloudwatch_metric_alarm.errors[0].alarm_name : null
}

output "alarm_names" {
  description = "All alarms the deployer may read: the error alarm (if created) and extra_alarm_names (pass each as --alarm)."
  value       = local.alarm_names
}

output "deployer_policy_json" {
  description = "The deployer policy document; equals `lambda-rollout iam-policy` for the same target."
  value       = data.aws_iam_policy_document.deployer.json
}

output "deployer_policy_arn" {
  description = "ARN of the managed deployer policy, or null when ci_identity is none."
  value       = var.ci_identity == "none" ? null : aws_iam_policy.deployer[0].arn
}

output "deployer_user_name" {
  description = "Name of the deployer IAM user (ci_identity = iam_user), else null."
  value       = var.ci_identity == "iam_user" ? aws_iam_user.deployer[0].name : null
}

output "deployer_access_key_id" {
  description = "Access key id of the deployer user (ci_identity = iam_user), else null."
  value       = var.ci_identity == "iam_user" ? aws_iam_access_key.deployer[0].id : null
}

output "deployer_secret_access_key" {
  description = "Secret access key of the deployer user (ci_identity = iam_user), else null. Stored in state: protect the state."
  value       = var.ci_identity == "iam_user" ? aws_iam_access_key.deployer[0].secret : null
  sensitive   = true
}

output "deployer_role_arn" {
  description = "ARN of the role GitHub Actions assumes (ci_identity = github_oidc), else null."
  value       = var.ci_identity == "github_oidc" ? aws_iam_role.deployer[0].arn : null
}

output "state_machine_arn" {
  description = "ARN of the roll-out state machine (deploy --engine stepfunctions --state-machine ARN); null unless create_state_machine."
  value       = var.create_state_machine ? aws_sfn_state_machine.rollout[0].arn : null
}

output "preview_policy_json" {
  description = "The read-only policy of `lambda-rollout preview`; equals `lambda-rollout iam-policy --preview` for the same target."
  value       = local.preview_policy_json
}

output "preview_role_arn" {
  description = "ARN of the read-only role pull requests assume for `lambda-rollout preview` (create_preview_role), else null."
  value       = var.create_preview_role ? aws_iam_role.preview[0].arn : null
}
