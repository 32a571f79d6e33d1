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
  description = "The branch that deploys: its pushes run the plan job (plan role, sub repo:<owner>/<name>:ref:refs/heads/<branch>)."
  type        = string
  default     = "main"

  validation {
    condition     = can(regex("^[A-Za-z0-9_./-]+$", var.deploy_branch))
    error_message = "deploy_branch must be a branch name without wildcards."
  }
}

variable "deploy_environment" {
  description = "GitHub environment whose jobs may assume the apply and rollout roles (sub repo:<owner>/<name>:environment:<name>). Restrict its deployment branches to deploy_branch: the deploy workflow refuses to apply otherwise (docs/deploy.md)."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+$", var.deploy_environment))
    error_message = "deploy_environment must be an environment name without wildcards."
  }
}

variable "deploy_workflow" {
  description = "Path of the deploy workflow in the repository, pinned in the subjects when pin_deploy_workflow is true."
  type        = string
  default     = ".github/workflows/deploy.yml"

  validation {
    condition     = can(regex("^\\.github/workflows/[A-Za-z0-9_.-]+\\.ya?ml$", var.deploy_workflow))
    error_message = "deploy_workflow must be a file under .github/workflows/ (e.g. .github/workflows/deploy.yml)."
  }
}

variable "pin_deploy_workflow" {
  description = "Trust only tokens whose subject names the deploy workflow (job_workflow_ref). Set the repository's OIDC subject template to repo, context, job_workflow_ref first (docs/deploy.md), or every role refuses every token."
  type        = bool
  default     = false
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
