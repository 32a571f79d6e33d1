################################################################################
# State bucket
################################################################################

output "state_bucket" {
  description = "Name of the state bucket."
  value       = aws_s3_bucket.state.id
}

output "backend_config" {
  description = "Contents of terraform/backend.hcl for `terraform init -backend-config=backend.hcl`."
  value       = <<-EOT
    bucket = "${aws_s3_bucket.state.id}"
    key    = "${var.state_key}"
    region = "${var.region}"
  EOT
}

################################################################################
# GitHub OIDC
################################################################################

output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider."
  value       = local.oidc_provider_arn
}

output "deploy_role_arn" {
  description = "The apply role: set it as the repository variable AWS_DEPLOY_ROLE_ARN (the plan and rollout roles' ARNs are derived from it)."
  value       = aws_iam_role.pipeline["apply"].arn
}

output "plan_role_arn" {
  description = "Read-only role of the plan job (pull requests and the deploy branch)."
  value       = aws_iam_role.pipeline["plan"].arn
}

output "rollout_role_arn" {
  description = "Role of the rollout steps (deploy environment only)."
  value       = aws_iam_role.pipeline["rollout"].arn
}

output "role_subjects" {
  description = "The exact OIDC subjects each pipeline role trusts, by job."
  value       = module.policies.subjects
}

output "role_subject_patterns" {
  description = "The OIDC subject patterns (StringLike) each pipeline role trusts, by job: with pin_deploy_workflow, plan-pr.yml on any pull request's merge ref."
  value       = module.policies.subject_patterns
}

output "workload_boundary_arn" {
  description = "Permissions boundary every role the pipeline creates carries (the main root's permissions_boundary_arn)."
  value       = aws_iam_policy.workload_boundary.arn
}

output "parameters_key_alias" {
  description = "KMS alias of the project's SecureString parameters."
  value       = aws_kms_alias.parameters.name
}
