# One environment of name-searcher: table, execution role, function + alias + CI identity (through the
# lambda-rollout-target module), REST API on the alias, and the alarms lambda-rollout gates on.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  name           = "${var.name_prefix}-${var.environment}"
  alias_name     = "live"
  api_alarm_name = "${local.name}-api-5xx"
  log_group_arn  = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:/aws/lambda/${local.name}"
}

resource "aws_dynamodb_table" "names" {
  name         = local.name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "name"

  attribute {
    name = "name"
    type = "S"
  }

  tags = var.tags
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${local.name}-execution"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
  tags               = var.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "ReadNames"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.names.arn]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "${local.name}-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

module "function" {
  source = "../../../../../terraform/modules/lambda-rollout-target"

  function_name      = local.name
  alias_name         = local.alias_name
  execution_role_arn = aws_iam_role.execution.arn
  runtime            = "nodejs22.x"
  handler            = "handler.handler"
  environment_variables = {
    TABLE_NAME = aws_dynamodb_table.names.name
  }

  artifact_bucket    = var.artifact_bucket
  artifact_prefix    = var.artifact_prefix
  bootstrap_s3_key   = var.bootstrap_s3_key
  log_retention_days = var.log_retention_days

  create_error_alarm = true
  extra_alarm_names  = [local.api_alarm_name]

  ci_identity              = var.ci_identity
  github_oidc_provider_arn = var.github_oidc_provider_arn
  github_repository        = var.github_repository
  github_owner_id          = var.github_owner_id
  github_repository_id     = var.github_repository_id
  # Each environment deploys only from the GitHub environment of the same name.
  github_environment = var.ci_identity == "github_oidc" ? var.environment : null

  tags = var.tags
}

# --- REST API: GET / proxied to the live alias -----------------------------------------------------

resource "aws_api_gateway_rest_api" "api" {
  name        = local.name
  description = "name-searcher (${var.environment})"
  tags        = var.tags

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_method" "get" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_rest_api.api.root_resource_id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "get" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_rest_api.api.root_resource_id
  http_method             = aws_api_gateway_method.get.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  # The alias, never $LATEST: traffic follows lambda-rollout's weights.
  uri = module.function.alias_invoke_arn
}

resource "aws_api_gateway_deployment" "api" {
  rest_api_id = aws_api_gateway_rest_api.api.id

  triggers = {
    redeployment = sha1(jsonencode([aws_api_gateway_method.get.id, aws_api_gateway_integration.get.id]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "api" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = aws_api_gateway_deployment.api.id
  stage_name    = var.environment
  tags          = var.tags
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowApiGatewayGet"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  qualifier     = module.function.alias_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/GET/"
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = local.api_alarm_name
  alarm_description   = "5XX responses of ${local.name}; a health gate of lambda-rollout."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5XXError"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"

  dimensions = {
    ApiName = aws_api_gateway_rest_api.api.name
    Stage   = aws_api_gateway_stage.api.stage_name
  }

  tags = var.tags
}
