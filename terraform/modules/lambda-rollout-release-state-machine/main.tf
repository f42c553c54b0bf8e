# Server-side releases: the lambda-rollout release state machine (release-state-machine.asl.json is
# byte for byte the output of `lambda-rollout state-machine --release`; a test checks it) for the
# functions of one region, and a role that may only shift their aliases, invoke their published
# versions and read the named alarms. src/iam/release-policy.ts (releaseStateMachineRolePolicy)
# renders the same statements.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition     = data.aws_partition.current.partition
  region        = data.aws_region.current.name
  account_id    = data.aws_caller_identity.current.account_id
  function_arns = [for f in var.functions : "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${f.function_name}"]
  alias_arns    = [for i, f in var.functions : "${local.function_arns[i]}:${f.alias_name}"]
  latest_arns   = [for arn in local.function_arns : "${arn}:$LATEST"]
  version_arns  = [for arn in local.function_arns : "${arn}:*"]
  states        = "arn:${local.partition}:states:${local.region}:${local.account_id}"
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "role" {
  statement {
    sid       = "ShiftAlias"
    actions   = ["lambda:GetAlias", "lambda:UpdateAlias"]
    resources = sort(distinct(concat(local.function_arns, local.alias_arns)))
  }

  statement {
    sid       = "SmokeVersions"
    actions   = ["lambda:InvokeFunction"]
    resources = sort(distinct(local.version_arns))
  }

  statement {
    # IAM wildcards cannot say "digits only": everything that is not a published version is denied.
    sid       = "OnlyVersions"
    effect    = "Deny"
    actions   = ["lambda:InvokeFunction"]
    resources = sort(distinct(concat(local.function_arns, local.alias_arns, local.latest_arns)))
  }

  dynamic "statement" {
    for_each = length(var.alarm_names) > 0 ? [1] : []
    content {
      sid       = "ReadAlarms"
      actions   = ["cloudwatch:DescribeAlarms"]
      resources = [for name in sort(distinct(var.alarm_names)) : "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${name}"]
    }
  }
}

# What the CI identity needs on top of the release's deployer policy (`lambda-rollout iam-policy
# --config FILE --env NAME --state-machine ARN` prints both together).
data "aws_iam_policy_document" "deployer" {
  statement {
    # DescribeStateMachine: the read before any write that tells a missing machine (exit 2) apart.
    sid       = "StartRollouts"
    actions   = ["states:DescribeStateMachine", "states:StartExecution"]
    resources = ["${local.states}:stateMachine:${var.name}"]
  }

  statement {
    # Follow (history), report (status) and stop (rollback, promote) that machine's executions.
    sid       = "FollowRollouts"
    actions   = ["states:DescribeExecution", "states:GetExecutionHistory", "states:StopExecution"]
    resources = ["${local.states}:execution:${var.name}:*"]
  }
}

resource "aws_iam_role" "state_machine" {
  name                 = "${var.name}-sfn"
  path                 = var.iam_path
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "state_machine" {
  name   = "lambda-rollout"
  role   = aws_iam_role.state_machine.id
  policy = data.aws_iam_policy_document.role.json
}

resource "aws_sfn_state_machine" "release" {
  name       = var.name
  role_arn   = aws_iam_role.state_machine.arn
  definition = file("${path.module}/release-state-machine.asl.json")
  tags       = var.tags
}
