# The real root: name-searcher in AWS. The local root (./local) applies the same stack to moto.

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = "name-searcher"
      ManagedBy = "terraform"
    }
  }
}

module "stack" {
  source = "./modules/stack"

  artifact_bucket_name     = var.artifact_bucket_name
  ci_identity              = var.ci_identity
  github_oidc_provider_arn = var.github_oidc_provider_arn
  github_repository        = var.github_repository
  github_owner_id          = var.github_owner_id
  github_repository_id     = var.github_repository_id
}
