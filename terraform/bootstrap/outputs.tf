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
  description = "Role the deploy workflow assumes (aws-actions/configure-aws-credentials role-to-assume)."
  value       = aws_iam_role.deploy.arn
}

output "deploy_role_subjects" {
  description = "The exact OIDC subjects allowed to assume the deploy role."
  value       = local.deploy_subjects
}

output "plan_role_arn" {
  description = "Read-only role pull-request workflows assume for terraform plan, or null."
  value       = try(aws_iam_role.plan[0].arn, null)
}
