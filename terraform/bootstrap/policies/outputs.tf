output "trust_policies" {
  description = "Trust policy JSON of each pipeline role, by job (plan, apply, rollout)."
  value       = local.trust
}

output "role_policies" {
  description = "Permissions policy JSON of each pipeline role, by job (plan, apply, rollout); plan's comes on top of ReadOnlyAccess."
  value       = { plan = local.plan, apply = local.apply, rollout = local.rollout }
}

output "role_names" {
  description = "Name of each pipeline role, by job."
  value       = local.pipeline_role_names
}

output "role_arns" {
  description = "ARN of each pipeline role, by job."
  value       = local.pipeline_role_arns
}

output "subjects" {
  description = "The exact OIDC subjects each pipeline role trusts, by job."
  value       = local.subjects
}

output "subject_patterns" {
  description = "The OIDC subject patterns (StringLike, one wildcard for a pull request's number) each pipeline role trusts, by job."
  value       = local.subject_patterns
}

output "boundary_name" {
  description = "Name of the managed policy every role the pipeline creates must carry as its permissions boundary."
  value       = local.boundary_name
}

output "boundary_arn" {
  description = "ARN of the workload boundary."
  value       = local.boundary_arn
}

output "boundary_policy" {
  description = "The workload boundary's JSON."
  value       = local.boundary
}

output "workload_path" {
  description = "IAM path of every role and instance profile the pipeline creates."
  value       = local.workload_path
}

output "server_role_arns" {
  description = "The server roles the apply role may pass to EC2, and the only principals that decrypt the project's parameters."
  value       = local.server_role_arns
}

output "parameters_key_alias" {
  description = "Alias of the project's parameters key."
  value       = local.parameters_key_alias
}

output "parameters_key_policy" {
  description = "Key policy JSON of the project's parameters key."
  value       = local.key_policy
}
