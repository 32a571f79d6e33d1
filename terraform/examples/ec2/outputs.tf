output "url" {
  description = "The load balancer's URL: each refresh names the app server that answered."
  value       = module.load.url
}

output "app_autoscaling_group_names" {
  description = "The app servers' Auto Scaling groups, one per zone."
  value       = module.ec2.app_autoscaling_group_names
}

output "launch_template_id" {
  description = "The app servers' launch template."
  value       = module.ec2.launch_template_id
}

output "launch_template_version" {
  description = "The launch template's newest version: start an instance refresh to it after changing the user data."
  value       = module.ec2.launch_template_version
}

output "app_role_name" {
  description = "The app servers' IAM role."
  value       = module.ec2.app_role_name
}
