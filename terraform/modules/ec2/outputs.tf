################################################################################
# Bastions
################################################################################

output "bastion_public_ips" {
  description = "Public IPs of the bastions by zone key."
  value       = { for key, instance in aws_instance.bastion : key => instance.public_ip }
}

output "bastion_security_group_id" {
  description = "ID of the bastions' security group, or null."
  value       = try(aws_security_group.bastion[0].id, null)
}

################################################################################
# App Servers
################################################################################

output "app_instance_ids" {
  description = "Instance IDs of the app servers by zone key (the rolling redeploy goes through them in this order)."
  value       = { for key, instance in aws_instance.app : key => instance.id }
}

output "app_private_ips" {
  description = "Private IPs of the app servers by zone key."
  value       = { for key, instance in aws_instance.app : key => instance.private_ip }
}

output "app_role_name" {
  description = "Name of the app servers' IAM role."
  value       = aws_iam_role.app.name
}

output "ami_id" {
  description = "AMI the servers were created from (the newest match at plan time)."
  value       = data.aws_ami.ubuntu.id
}
