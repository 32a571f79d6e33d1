output "url" {
  description = "The load balancer's URL (http:// and its DNS name without a certificate)."
  value       = module.load.url
}

output "dns_name" {
  description = "DNS name of the load balancer."
  value       = module.load.dns_name
}

output "target_group_arn" {
  description = "Target group on port 3000: register the app servers (or an Auto Scaling group) there."
  value       = module.load.target_group_arn
}

output "app_security_group_id" {
  description = "The security group the load balancer may reach on 3000: put the app servers in it."
  value       = module.vpc.app_security_group_id
}
