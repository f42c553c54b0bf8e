# A Lambda function whose code, versions and alias routing belong to lambda-rollout, while everything
# else (configuration, logs, alarms, permissions) belongs to Terraform. The lifecycle rules below are
# what keeps `terraform plan` empty after a deploy.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id

  # Same rule as artifactKeyPrefix() in src/iam/policy.ts.
  trimmed_prefix    = trim(var.artifact_prefix, "/")
  artifact_key_stem = local.trimmed_prefix == "" ? "${var.function_name}/" : "${local.trimmed_prefix}/${var.function_name}/"
  # Same rule as ledgerLocation() in src/rollout/ledger/location.ts: PREFIX/rollouts/ in the artifact bucket.
  ledger_bucket      = coalesce(var.ledger_bucket, var.artifact_bucket)
  ledger_prefix      = var.ledger_prefix != null ? (var.ledger_prefix == "" || endswith(var.ledger_prefix, "/") ? var.ledger_prefix : "${var.ledger_prefix}/") : (var.ledger_bucket != null ? "rollouts/" : (local.trimmed_prefix == "" ? "rollouts/" : "${local.trimmed_prefix}/rollouts/"))
  function_arn       = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${var.function_name}"
  error_alarm_name   = "${var.function_name}-${var.alias_name}-errors"
  alarm_names        = distinct(concat(var.create_error_alarm ? [local.error_alarm_name] : [], var.extra_alarm_names))
  deployer_base_name = coalesce(var.deployer_name, "${var.function_name}-deployer")
}

resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  function_name = var.function_name
  description   = var.description
  role          = var.execution_role_arn
  runtime       = var.runtime
  handler       = var.handler
  memory_size   = var.memory_size
  timeout       = var.timeout
  architectures = var.architectures

  s3_bucket = var.artifact_bucket
  s3_key    = var.bootstrap_s3_key
  # Versions are published by lambda-rollout, never by Terraform.
  publish = false

  dynamic "environment" {
    for_each = length(var.environment_variables) > 0 ? [1] : []
    content {
      variables = var.environment_variables
    }
  }

  tags = var.tags

  lifecycle {
    # The code is lambda-rollout's: after a deploy, $LATEST runs a package Terraform never saw.
    ignore_changes = [s3_bucket, s3_key, s3_object_version, source_code_hash]
  }

  # Created first so Lambda does not create it without retention.
  depends_on = [aws_cloudwatch_log_group.function]
}

resource "aws_lambda_alias" "live" {
  name             = var.alias_name
  description      = "Shifted by lambda-rollout; do not change by hand."
  function_name    = aws_lambda_function.this.function_name
  function_version = "$LATEST"

  lifecycle {
    # lambda-rollout moves the alias between published versions and splits traffic while baking, and
    # writes its progress and the live version's record into the description with each move.
    ignore_changes = [function_version, routing_config, description]
  }
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  count = var.create_error_alarm ? 1 : 0

  alarm_name          = local.error_alarm_name
  alarm_description   = "Errors of ${var.function_name}:${var.alias_name}; a health gate of lambda-rollout."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  statistic           = "Sum"
  period              = var.error_alarm_period
  evaluation_periods  = var.error_alarm_evaluation_periods
  threshold           = var.error_alarm_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions

  dimensions = {
    FunctionName = var.function_name
    Resource     = "${var.function_name}:${var.alias_name}"
  }

  tags = var.tags
}
