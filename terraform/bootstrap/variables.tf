################################################################################
# General
################################################################################

variable "region" {
  description = "Region of the state bucket and of everything the deploy role manages."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "The main root's project (its var.project): names and the Project tag the deploy role's permissions are scoped to."
  type        = string
  default     = "ecommerce"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))
    error_message = "project must be 2 to 21 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags on every resource (Project is added from var.project)."
  type        = map(string)
  default     = {}
}

################################################################################
# State bucket
################################################################################

variable "state_bucket_name" {
  description = "Name of the state bucket; null gives <project>-tfstate-<account id>."
  type        = string
  default     = null
}

variable "state_key" {
  description = "Key of the main root's state in the bucket."
  type        = string
  default     = "ecommerce/terraform.tfstate"
}

variable "state_noncurrent_version_days" {
  description = "Days an overwritten state version is kept (to roll back a bad apply)."
  type        = number
  default     = 90
}

################################################################################
# GitHub OIDC
################################################################################

variable "github_repository" {
  description = "The one repository allowed to assume the roles, as owner/name (e.g. my-org/ecommerce_docker_deployment)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name exactly: no wildcard, no extra slash."
  }
}

variable "deploy_branch" {
  description = "Branch whose workflow runs may assume the deploy role (sub repo:<owner>/<name>:ref:refs/heads/<branch>); null when only deploy_environment is used."
  type        = string
  default     = "main"

  validation {
    condition     = var.deploy_branch == null || can(regex("^[A-Za-z0-9_./-]+$", var.deploy_branch))
    error_message = "deploy_branch must be a branch name without wildcards."
  }
}

variable "deploy_environment" {
  description = "GitHub environment whose jobs may assume the deploy role (sub repo:<owner>/<name>:environment:<name>); null for none. A job with an environment presents this sub instead of the branch one."
  type        = string
  default     = null

  validation {
    condition     = var.deploy_environment == null || can(regex("^[A-Za-z0-9_.-]+$", var.deploy_environment))
    error_message = "deploy_environment must be an environment name without wildcards."
  }
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider; false uses existing_oidc_provider_arn (an account has at most one per URL)."
  type        = bool
  default     = true
}

variable "existing_oidc_provider_arn" {
  description = "ARN of an existing token.actions.githubusercontent.com provider, when create_oidc_provider is false."
  type        = string
  default     = null
}

variable "create_plan_role" {
  description = "Create a read-only role that pull-request workflows may assume to run terraform plan."
  type        = bool
  default     = true
}
