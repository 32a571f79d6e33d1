variable "project" {
  description = "Project name: the prefix of every name the pipeline manages."
  type        = string
}

variable "partition" {
  description = "AWS partition (aws, aws-us-gov, aws-cn)."
  type        = string
}

variable "account_id" {
  description = "The AWS account the pipeline deploys into."
  type        = string
}

variable "region" {
  description = "Region of everything the pipeline manages."
  type        = string
}

variable "state_bucket" {
  description = "Name of the Terraform state bucket."
  type        = string
}

variable "state_key" {
  description = "Key of the main root's state in the bucket."
  type        = string
}

variable "github_repository" {
  description = "owner/name of the one repository whose workflows may assume the pipeline roles."
  type        = string
}

variable "oidc_provider_arn" {
  description = "ARN of the account's token.actions.githubusercontent.com provider."
  type        = string
}

variable "deploy_branch" {
  description = "The branch that deploys (the plan of a push runs there)."
  type        = string
}

variable "deploy_environment" {
  description = "The GitHub environment whose jobs apply and roll out."
  type        = string
}

variable "deploy_workflow" {
  description = "Path of the deploy workflow in the repository; pinned in the subjects when pin_deploy_workflow is true."
  type        = string
}

variable "pin_deploy_workflow" {
  description = "Subjects carry job_workflow_ref (the repository's OIDC subject template must include repo, context and job_workflow_ref: docs/deploy.md)."
  type        = bool
}

variable "default_vpc_arn" {
  description = "ARN of the region's default VPC (the monitoring server's VPC, peered with the shop's)."
  type        = string
}
