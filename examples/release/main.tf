# The infrastructure of the release in lambda-rollout.yml: the target module once per function and
# region (for_each), and one CI role allowed exactly what the release does. Provider settings, the
# execution role and the bootstrap packages are the root's, as in examples/name-searcher/infra.

terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0" }
  }
}

provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}

variable "execution_role_arn" {
  type = string
}

variable "github_oidc_provider_arn" {
  type = string
}

locals {
  # Function name => settings, per region. A module instance cannot choose its provider per key, so
  # each region has its own for_each.
  eu_west_1 = {
    "orders-get" = { handler = "handler.handler" }
    "orders-put" = { handler = "handler.handler" }
  }
  us_east_1 = {
    "orders-get" = { handler = "handler.handler" }
  }
}

module "eu_west_1" {
  source   = "../../terraform/modules/lambda-rollout-target"
  for_each = local.eu_west_1

  function_name      = each.key
  handler            = each.value.handler
  execution_role_arn = var.execution_role_arn
  artifact_bucket    = "myapp-artifacts-eu-west-1"
  artifact_prefix    = "releases"
  bootstrap_s3_key   = "bootstrap/${each.key}.zip"
  # One CI identity for the whole release (below), not one per function.
  ci_identity = "none"
}

module "us_east_1" {
  source    = "../../terraform/modules/lambda-rollout-target"
  for_each  = local.us_east_1
  providers = { aws = aws.us_east_1 }

  function_name      = each.key
  handler            = each.value.handler
  execution_role_arn = var.execution_role_arn
  artifact_bucket    = "myapp-artifacts-us-east-1"
  artifact_prefix    = "releases"
  bootstrap_s3_key   = "bootstrap/${each.key}.zip"
  ci_identity        = "none"
}

# Each function's deployer policy (exactly what `lambda-rollout iam-policy` prints for it), as one
# managed policy per function and region, all attached to the release's CI role. A role takes 10
# managed policies by default: for larger releases, use the single document that
# `lambda-rollout iam-policy --config lambda-rollout.yml --env production` prints as an inline policy.
locals {
  deployer_policies = merge(
    { for name, target in module.eu_west_1 : "eu-west-1-${name}" => target.deployer_policy_json },
    { for name, target in module.us_east_1 : "us-east-1-${name}" => target.deployer_policy_json },
  )
}

resource "aws_iam_policy" "release" {
  for_each = local.deployer_policies
  name     = "orders-release-${each.key}"
  policy   = each.value
}

resource "aws_iam_role" "release_deployer" {
  name = "orders-release-deployer"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = var.github_oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = "repo:acme/orders:environment:production"
        }
      }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "release" {
  for_each   = aws_iam_policy.release
  role       = aws_iam_role.release_deployer.name
  policy_arn = each.value.arn
}
