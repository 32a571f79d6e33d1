terraform {
  required_version = ">= 1.11"

  # The same constraint as the root module (terraform/versions.tf): the examples move with it.
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
