################################################################################
# VPC
################################################################################

output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "azs" {
  description = "The availability zones in use, in zone-key order: var.azs, or the region's first zones when it is null."
  value       = local.azs
}

output "zone_keys" {
  description = "Zone keys (az1, az2, ...) in azs order; they name the per-zone servers."
  value       = keys(local.zones)
}

################################################################################
# Subnets
################################################################################

output "public_subnet_ids" {
  description = "Public subnet IDs by zone key (az1, az2, ...)."
  value       = { for key, subnet in aws_subnet.public : key => subnet.id }
}

output "private_subnet_ids" {
  description = "Private (app) subnet IDs by zone key."
  value       = { for key, subnet in aws_subnet.private : key => subnet.id }
}

output "database_subnet_ids" {
  description = "Database subnet IDs by zone key."
  value       = { for key, subnet in aws_subnet.database : key => subnet.id }
}

################################################################################
# NAT Gateways
################################################################################

output "nat_public_ips" {
  description = "Public IPs the private subnets leave through (allow-list them upstream if needed)."
  value       = [for eip in aws_eip.nat : eip.public_ip]
}

################################################################################
# Peering with the default VPC
################################################################################

output "default_vpc_peering_connection_id" {
  description = "ID of the peering connection with the default VPC, or null."
  value       = try(aws_vpc_peering_connection.default[0].id, null)
}

################################################################################
# App Security Group
################################################################################

output "app_security_group_id" {
  description = "ID of the app servers' security group."
  value       = aws_security_group.app.id
}
