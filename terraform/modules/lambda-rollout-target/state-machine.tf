# Server-side roll-outs: the generic lambda-rollout state machine (state-machine.asl.json is byte for
# byte the output of `lambda-rollout state-machine`; a test checks it) and a role that may only shift
# this function's alias, invoke its published versions and read its named alarms and its own
# metric-gate alarms.
# src/iam/policy.ts (stateMachineRolePolicy) renders the same statements.

locals {
  state_machine_name = coalesce(var.state_machine_name, substr("${var.function_name}-rollout", 0, 50))
  state_machine_arn  = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.state_machine_name}"
}

data "aws_iam_policy_document" "state_machine_trust" {
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

data "aws_iam_policy_document" "state_machine" {
  statement {
    sid       = "ShiftAlias"
    actions   = ["lambda:GetAlias", "lambda:UpdateAlias"]
    resources = [local.function_arn, "${local.function_arn}:${var.alias_name}"]
  }

  statement {
    sid       = "SmokeVersions"
    actions   = ["lambda:InvokeFunction"]
    resources = ["${local.function_arn}:*"]
  }

  statement {
    # IAM wildcards cannot say "digits only": everything that is not a published version is denied.
    sid       = "OnlyVersions"
    effect    = "Deny"
    actions   = ["lambda:InvokeFunction"]
    resources = [local.function_arn, "${local.function_arn}:${var.alias_name}", "${local.function_arn}:$LATEST"]
  }

  statement {
    # The metric gate's own alarm (lambda-rollout/FUNCTION/…), watched like a named one.
    sid       = "ReadOwnedAlarms"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:lambda-rollout/${var.function_name}/*"]
  }

  dynamic "statement" {
    for_each = length(local.alarm_names) > 0 ? [1] : []
    content {
      sid       = "ReadAlarms"
      actions   = ["cloudwatch:DescribeAlarms"]
      resources = [for name in sort(local.alarm_names) : "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${name}"]
    }
  }
}

resource "aws_iam_role" "state_machine" {
  count = var.create_state_machine ? 1 : 0

  name                 = "${local.state_machine_name}-sfn"
  path                 = var.iam_path
  assume_role_policy   = data.aws_iam_policy_document.state_machine_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "state_machine" {
  count = var.create_state_machine ? 1 : 0

  name   = "lambda-rollout"
  role   = aws_iam_role.state_machine[0].id
  policy = data.aws_iam_policy_document.state_machine.json
}

resource "aws_sfn_state_machine" "rollout" {
  count = var.create_state_machine ? 1 : 0

  name       = local.state_machine_name
  role_arn   = aws_iam_role.state_machine[0].arn
  definition = file("${path.module}/state-machine.asl.json")
  tags       = var.tags
}
