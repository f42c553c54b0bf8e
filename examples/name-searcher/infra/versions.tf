terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 7.0"
    }
  }

  # Configure remote state for real use, e.g.:
  # backend "s3" {
  #   bucket       = "my-terraform-state"
  #   key          = "name-searcher/terraform.tfstate"
  #   region       = "us-east-1"
  #   use_lockfile = true
  # }
}
