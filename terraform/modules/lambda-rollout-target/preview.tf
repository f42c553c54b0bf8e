# The optional read-only role of `lambda-rollout preview` on pull requests: it reads the function, its
# alias and versions, its alarms and the roll-out ledger, and nothing else (no write, no artifact, no
# invocation). src/iam/policy.ts (previewPolicy, `lambda-rollout iam-policy --preview`) renders the same
# grants. Trusted by one repository's pull_request workflows (sub = repo:OWNER/NAME:pull_request, or
# with github_owner_id and github_repository_id the immutable repo:OWNER@ID/NAME@ID:pull_request).

locals {
  # The deployer's ledger and alarm statements are the preview's too: the ledger's objects read only.
  deployer_statements = { for statement in jsondecode(data.aws_iam_policy_document.deployer.json).Statement : statement.Sid => statement }
  preview_policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid    = "PreviewFunction"
        Effect = "Allow"
        Action = [
          "lambda:GetAlias",
          "lambda:GetFunction",
          "lambda:GetFunctionConfiguration",
          "lambda:GetProvisionedConcurrencyConfig",
        ]
        Resource = [local.function_arn, "${local.function_arn}:*"]
      }],
      [merge(local.deployer_statements["LedgerObjects"], { Sid = "LedgerRead", Action = ["s3:GetObject"] })],
      [for sid in ["LedgerReleases", "LedgerListing", "ReadAlarms"] : local.deployer_statements[sid] if contains(keys(local.deployer_statements), sid)],
    )
  })
}

data "aws_iam_policy_document" "preview_trust" {
  count = var.create_preview_role ? 1 : 0

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

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      # The same repository form as the deployer's trust: the immutable one when the ids are set.
      values = ["repo:${local.github_subject_repo}:pull_request"]
    }
  }
}

resource "aws_iam_role" "preview" {
  count = var.create_preview_role ? 1 : 0

  name               = "${local.deployer_base_name}-preview"
  path               = var.iam_path
  assume_role_policy = data.aws_iam_policy_document.preview_trust[0].json
  tags               = var.tags

  lifecycle {
    precondition {
      condition     = var.github_oidc_provider_arn != null && var.github_repository != null && can(regex("^[^/:*]+/[^/:*]+$", coalesce(var.github_repository, "-")))
      error_message = "create_preview_role needs github_oidc_provider_arn and github_repository (OWNER/NAME, no wildcards)."
    }
  }
}

resource "aws_iam_role_policy" "preview" {
  count = var.create_preview_role ? 1 : 0

  name   = "lambda-rollout-preview"
  role   = aws_iam_role.preview[0].id
  policy = local.preview_policy_json
}
