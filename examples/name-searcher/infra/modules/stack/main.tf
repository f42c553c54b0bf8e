# name-searcher's whole infrastructure, shared by the real root (..) and the local root (../local):
# one artifact bucket and identical environments.

resource "aws_s3_bucket" "artifacts" {
  bucket        = var.artifact_bucket_name
  force_destroy = var.force_destroy_artifacts
  tags          = var.tags
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Each write of the roll-out ledger (a record, an alias lock, under PREFIX/rollouts/) leaves a noncurrent
# version in this versioned bucket, as each re-uploaded package would: those go after 30 days. Nothing
# current ever expires: not a package a rollback may need, not the ledger's records and locks (the
# history `lambda-rollout history` reads, and the locks that keep two roll-outs of an alias apart).
resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  count  = var.noncurrent_version_days == null ? 0 : 1
  bucket = aws_s3_bucket.artifacts.id

  rule {
    id     = "noncurrent-versions"
    status = "Enabled"
    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.artifacts]
}

# The package every function is created from; lambda-rollout replaces it on the first deploy. It sits
# outside PREFIX/FUNCTION/, so no deployer can overwrite it.
resource "aws_s3_object" "bootstrap" {
  bucket = aws_s3_bucket.artifacts.id
  key    = "bootstrap/name-searcher-bootstrap.zip"
  source = "${path.module}/bootstrap/bootstrap.zip"
  etag   = filemd5("${path.module}/bootstrap/bootstrap.zip")

  depends_on = [
    aws_s3_bucket_versioning.artifacts,
    aws_s3_bucket_server_side_encryption_configuration.artifacts,
  ]
}

module "environment" {
  source   = "../environment"
  for_each = var.environments

  environment        = each.key
  name_prefix        = var.name_prefix
  artifact_bucket    = aws_s3_bucket.artifacts.id
  artifact_prefix    = var.artifact_prefix
  bootstrap_s3_key   = aws_s3_object.bootstrap.key
  log_retention_days = var.log_retention_days

  ci_identity              = var.ci_identity
  github_oidc_provider_arn = var.github_oidc_provider_arn
  github_repository        = var.github_repository
  github_owner_id          = var.github_owner_id
  github_repository_id     = var.github_repository_id

  tags = merge(var.tags, { Environment = each.key })
}
