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

output "app_autoscaling_group_names" {
  description = "Names of the app Auto Scaling groups in zone order (az1, az2, ...): the deploy's instance refresh replaces their servers one group after the other."
  value       = [for key in local.app_zone_keys : aws_autoscaling_group.app[key].name]
}

output "launch_template_id" {
  description = "ID of the app servers' launch template (lt-...)."
  value       = aws_launch_template.app.id
}

output "launch_template_version" {
  description = "The launch template's newest version (a number): the release the deploy's instance refresh rolls out."
  value       = aws_launch_template.app.latest_version
}

output "app_role_name" {
  description = "Name of the app servers' IAM role."
  value       = aws_iam_role.app.name
}

output "ami_id" {
  description = "AMI the servers were created from (the newest match at plan time)."
  value       = data.aws_ami.ubuntu.id
}
