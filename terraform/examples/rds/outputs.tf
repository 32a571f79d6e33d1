output "endpoint" {
  description = "host:port of the database."
  value       = module.rds.endpoint
}

output "db_name" {
  description = "Name of the database."
  value       = module.rds.db_name
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret with the master user and password (generated and rotated by RDS)."
  value       = module.rds.master_user_secret_arn
}

output "app_security_group_id" {
  description = "The security group allowed to connect on 5432: put your servers in it."
  value       = module.vpc.app_security_group_id
}

output "private_subnet_ids" {
  description = "Private subnet IDs by zone key, for servers that use the database."
  value       = module.vpc.private_subnet_ids
}
