# The deployer policy: exactly what lambda-rollout calls to deploy, roll back and report on this
# function. src/iam/policy.ts (deployerPolicy) renders the same grants; test/infra asserts they match.

data "aws_iam_policy_document" "deployer" {
  statement {
    sid = "DeployFunction"
    actions = [
      "lambda:GetAlias",
      "lambda:GetFunction",
      "lambda:GetFunctionConfiguration",
      "lambda:GetProvisionedConcurrencyConfig",
      "lambda:InvokeFunction",
      "lambda:ListDurableExecutionsByFunction",
      "lambda:ListVersionsByFunction",
      "lambda:PublishVersion",
      "lambda:UpdateAlias",
      "lambda:UpdateFunctionCode",
      # Lambda Managed Instances: the new version gets the stable one's scaling before any traffic.
      "lambda:GetFunctionScalingConfig",
      "lambda:PutFunctionScalingConfig",
    ]
    # Unqualified for the function, qualified (`:live`, `:7`) for alias and version calls.
    resources = [local.function_arn, "${local.function_arn}:*"]
  }

  statement {
    sid       = "ArtifactObjects"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${var.artifact_bucket}/${local.artifact_key_stem}*"]
  }

  statement {
    # Lets HeadObject answer 404 instead of 403 for an artifact not uploaded yet.
    sid       = "ArtifactListing"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${var.artifact_bucket}"]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.artifact_key_stem}*"]
    }
  }

  statement {
    # The roll-out ledger: this function's alias locks and roll-out records.
    sid     = "LedgerObjects"
    actions = ["s3:GetObject", "s3:PutObject"]
    resources = [
      "arn:${local.partition}:s3:::${local.ledger_bucket}/${local.ledger_prefix}aliases/${local.account_id}/${local.region}/${var.function_name}/*",
      "arn:${local.partition}:s3:::${local.ledger_bucket}/${local.ledger_prefix}records/${local.account_id}/${local.region}/${var.function_name}/*",
    ]
  }

  statement {
    # Releases' records, read only: a release may hold this function's alias.
    sid       = "LedgerReleases"
    actions   = ["s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${local.ledger_bucket}/${local.ledger_prefix}releases/*"]
  }

  statement {
    # A lock not taken yet answers 404 instead of 403.
    sid       = "LedgerListing"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${local.ledger_bucket}"]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.ledger_prefix}*"]
    }
  }

  dynamic "statement" {
    for_each = var.prune_versions ? [1] : []
    content {
      sid       = "PruneListAliases"
      actions   = ["lambda:ListAliases"]
      resources = [local.function_arn]
    }
  }

  dynamic "statement" {
    # Versions only: `F:*` never matches the unqualified function ARN, so the function itself is safe.
    for_each = var.prune_versions ? [1] : []
    content {
      sid       = "PruneVersions"
      actions   = ["lambda:DeleteFunction"]
      resources = ["${local.function_arn}:*"]
    }
  }

  dynamic "statement" {
    for_each = length(local.alarm_names) > 0 ? [1] : []
    content {
      sid       = "ReadAlarms"
      actions   = ["cloudwatch:DescribeAlarms"]
      resources = [for name in sort(local.alarm_names) : "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${name}"]
    }
  }

  dynamic "statement" {
    # DescribeStateMachine: the read before any write that refuses a missing machine (exit 2).
    for_each = var.create_state_machine ? [1] : []
    content {
      sid       = "StartRollouts"
      actions   = ["states:DescribeStateMachine", "states:StartExecution"]
      resources = [local.state_machine_arn]
    }
  }

  dynamic "statement" {
    # Follow (history), report (status) and stop (rollback, promote) that machine's executions.
    for_each = var.create_state_machine ? [1] : []
    content {
      sid       = "FollowRollouts"
      actions   = ["states:DescribeExecution", "states:GetExecutionHistory", "states:StopExecution"]
      resources = ["arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.state_machine_name}:*"]
    }
  }

  dynamic "statement" {
    # The server-side metric gate's own alarm (lambda-rollout/FUNCTION/ALIAS/vN/metrics): created before
    # the start, deleted at the end, found by its prefix when a detached or killed run left it.
    for_each = var.create_state_machine ? [1] : []
    content {
      sid       = "OwnedAlarms"
      actions   = ["cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm"]
      resources = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:lambda-rollout/${var.function_name}/*"]
    }
  }

  statement {
    # GetMetricData has no resource-level permissions: "*" is the only resource it accepts.
    sid       = "ReadMetrics"
    actions   = ["cloudwatch:GetMetricData"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "deployer" {
  count = var.ci_identity == "none" ? 0 : 1

  name        = local.deployer_base_name
  path        = var.iam_path
  description = "lambda-rollout may deploy ${var.function_name} and nothing else."
  policy      = data.aws_iam_policy_document.deployer.json
  tags        = var.tags
}

# --- Option 1: an IAM user with an access key (long-lived; store the secret in CI secrets) ---------

resource "aws_iam_user" "deployer" {
  count = var.ci_identity == "iam_user" ? 1 : 0

  name = local.deployer_base_name
  path = var.iam_path
  tags = var.tags
}

resource "aws_iam_user_policy_attachment" "deployer" {
  count = var.ci_identity == "iam_user" ? 1 : 0

  user       = aws_iam_user.deployer[0].name
  policy_arn = aws_iam_policy.deployer[0].arn
}

resource "aws_iam_access_key" "deployer" {
  count = var.ci_identity == "iam_user" ? 1 : 0

  user = aws_iam_user.deployer[0].name
}

# --- Option 2: a role assumed by GitHub Actions through OIDC (no stored secret) -------------------

locals {
  # GitHub's immutable subject claims (https://docs.github.com/en/actions/reference/security/oidc#immutable-subject-claims):
  # repositories created, renamed or transferred after 2026-07-15 (and those that opted in) get
  # repo:OWNER@OWNER_ID/NAME@REPO_ID:... instead of repo:OWNER/NAME:... . `@` cannot occur in a GitHub
  # name, so no other repository can mint that subject (the hyphen form first announced in April 2026
  # was withdrawn for exactly that reason). With the ids set, only the immutable form is trusted.
  github_repository_parts = split("/", coalesce(var.github_repository, "-/-"))
  github_immutable        = var.github_owner_id != null && var.github_repository_id != null
  github_subject_repo = (
    local.github_immutable
    ? "${local.github_repository_parts[0]}@${var.github_owner_id}/${try(local.github_repository_parts[1], "-")}@${var.github_repository_id}"
    : coalesce(var.github_repository, "-")
  )
  github_subject = (
    var.github_environment != null
    ? "repo:${local.github_subject_repo}:environment:${var.github_environment}"
    : "repo:${local.github_subject_repo}:ref:refs/heads/${coalesce(var.github_branch, "-")}"
  )
}

data "aws_iam_policy_document" "github_trust" {
  count = var.ci_identity == "github_oidc" ? 1 : 0

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [coalesce(var.github_oidc_provider_arn, "-")]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    # StringEquals, not StringLike: exactly one repository and one branch or environment, one value.
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [local.github_subject]
    }
  }
}

resource "aws_iam_role" "deployer" {
  count = var.ci_identity == "github_oidc" ? 1 : 0

  name                 = local.deployer_base_name
  path                 = var.iam_path
  assume_role_policy   = data.aws_iam_policy_document.github_trust[0].json
  max_session_duration = var.deployer_max_session_duration_seconds
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = var.github_oidc_provider_arn != null && var.github_repository != null && can(regex("^[^/:*]+/[^/:*]+$", var.github_repository))
      error_message = "ci_identity = \"github_oidc\" needs github_oidc_provider_arn and github_repository (OWNER/NAME, no wildcards)."
    }
    precondition {
      condition     = (var.github_owner_id == null) == (var.github_repository_id == null)
      error_message = "github_owner_id and github_repository_id go together: set both (the role trusts only the immutable subject repo:OWNER@OWNER_ID/NAME@REPOSITORY_ID:...) or neither (the name-only subject). gh api repos/OWNER/NAME --jq '.owner.id, .id' prints both."
    }
    precondition {
      condition     = (var.github_environment == null) != (var.github_branch == null)
      error_message = "ci_identity = \"github_oidc\" needs exactly one of github_environment and github_branch."
    }
    precondition {
      condition     = !can(regex("[*?]", coalesce(var.github_environment, var.github_branch, "-")))
      error_message = "github_environment and github_branch must not contain wildcards."
    }
  }
}

resource "aws_iam_role_policy_attachment" "deployer" {
  count = var.ci_identity == "github_oidc" ? 1 : 0

  role       = aws_iam_role.deployer[0].name
  policy_arn = aws_iam_policy.deployer[0].arn
}
