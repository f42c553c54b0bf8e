output "state_machine_arn" {
  description = "ARN of the release state machine: deploy --config FILE --env NAME --engine stepfunctions --state-machine ARN (or stateMachine: in the environment)."
  value       = aws_sfn_state_machine.release.arn
}

output "role_arn" {
  description = "ARN of the role the state machine runs as."
  value       = aws_iam_role.state_machine.arn
}

output "deployer_policy_json" {
  description = "The Step Functions statements the CI identity needs to start, follow and stop this machine's executions; attach them beside the release's deployer policy."
  value       = data.aws_iam_policy_document.deployer.json
}
