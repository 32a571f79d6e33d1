terraform {
  # 1.11: S3 native state locking (use_lockfile) and write-only arguments (value_wo), which
  # keep the generated app secrets out of the state.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }

  # Partial configuration: bucket, key and region come from `terraform init
  # -backend-config=backend.hcl` (bootstrap/ prints them). The lock is a file beside the state.
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
