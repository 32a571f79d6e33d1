terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Applied once by an administrator with local state (it creates the bucket the main root's
  # state lives in). Keep terraform.tfstate safe, or move it into the new bucket afterwards
  # with a backend "s3" block and `terraform init -migrate-state` (README.md).
}
