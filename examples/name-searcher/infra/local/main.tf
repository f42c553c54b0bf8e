# The local root: the same stack as the real root (../modules/stack), applied to moto. Everything that
# is local (endpoints, fake credentials, skipped checks) lives here and only here.

provider "aws" {
  region     = var.region
  access_key = "test"
  secret_key = "test"

  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true

  endpoints {
    apigateway = var.endpoint
    cloudwatch = var.endpoint
    dynamodb   = var.endpoint
    iam        = var.endpoint
    lambda     = var.endpoint
    logs       = var.endpoint
    s3         = var.endpoint
    sts        = var.endpoint
  }
}

module "stack" {
  source = "../modules/stack"

  artifact_bucket_name = var.artifact_bucket_name
  ci_identity          = "iam_user"
  # Throw-away emulator state: destroy may delete the packages lambda-rollout uploaded.
  force_destroy_artifacts = true
  # Nothing here lives long enough to expire; and the provider waits for a lifecycle rule to settle on
  # every apply and destroy (tens of seconds against the emulator).
  noncurrent_version_days = null
}
