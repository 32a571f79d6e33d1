output "vpc_id" {
  description = "ID of the example VPC."
  value       = module.vpc.vpc_id
}

output "public_subnet_ids" {
  description = "Public subnet IDs by zone key (az1, az2)."
  value       = module.vpc.public_subnet_ids
}

output "private_subnet_ids" {
  description = "Private subnet IDs by zone key."
  value       = module.vpc.private_subnet_ids
}

output "database_subnet_ids" {
  description = "Database subnet IDs by zone key (no route out of the VPC)."
  value       = module.vpc.database_subnet_ids
}

output "nat_public_ips" {
  description = "Public IPs of the NAT gateways."
  value       = module.vpc.nat_public_ips
}
