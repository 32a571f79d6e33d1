################################################################################
# DB Instance
################################################################################

output "db_instance_identifier" {
  description = "Identifier of the database instance."
  value       = aws_db_instance.this.identifier
}

output "db_instance_arn" {
  description = "ARN of the database instance."
  value       = aws_db_instance.this.arn
}

output "address" {
  description = "Host name of the database (no port)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the database."
  value       = aws_db_instance.this.port
}

output "endpoint" {
  description = "host:port of the database."
  value       = aws_db_instance.this.endpoint
}

output "db_name" {
  description = "Name of the shop's database."
  value       = aws_db_instance.this.db_name
}

output "master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret (JSON username/password) RDS manages for the master user."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

################################################################################
# Security Group
################################################################################

output "security_group_id" {
  description = "ID of the database's security group."
  value       = aws_security_group.this.id
}
