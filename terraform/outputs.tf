################################################################################
# The shop
################################################################################

output "shop_url" {
  description = "The shop's URL: https://<domain_name> with a certificate, else http:// and the load balancer's DNS name."
  value       = module.Load.url
}

output "tls_enabled" {
  description = "Whether the shop is served over HTTPS (certificate_arn and domain_name set). false: HTTP only, not fit for real customers."
  value       = var.certificate_arn != null
}

output "alb_dns_name" {
  description = "DNS name of the load balancer (point a CNAME or alias record at it)."
  value       = module.Load.dns_name
}

output "target_group_arn" {
  description = "Target group of the app servers: the rolling redeploy deregisters and re-registers through it."
  value       = module.Load.target_group_arn
}

output "region" {
  description = "Region of everything."
  value       = var.region
}

################################################################################
# Servers
################################################################################

output "bastion_public_ips" {
  description = "Public IPs of the bastions by zone key (az1, az2)."
  value       = module.EC2.bastion_public_ips
}

output "app_private_ips" {
  description = "Private IPs of the app servers by zone key."
  value       = module.EC2.app_private_ips
}

output "app_instance_ids" {
  description = "Instance IDs of the app servers by zone key; the rolling redeploy takes them in this order."
  value       = module.EC2.app_instance_ids
}

output "deploy_document_name" {
  description = "SSM document the deploy workflow runs on each app server after updating the image parameters."
  value       = aws_ssm_document.deploy.name
}

output "image_parameter_names" {
  description = "SSM parameters holding the image references the servers run."
  value = {
    backend  = aws_ssm_parameter.backend_image.name
    frontend = aws_ssm_parameter.frontend_image.name
  }
}

################################################################################
# Database
################################################################################

output "rds_endpoint" {
  description = "host:port of the database."
  value       = module.RDS.endpoint
}

output "db_master_secret_arn" {
  description = "Secrets Manager secret with the database master user and password (managed and rotated by RDS)."
  value       = module.RDS.master_user_secret_arn
}

################################################################################
# Monitoring
################################################################################

output "grafana_url" {
  description = "Grafana on the monitoring server (reachable from admin_cidrs), or null."
  value       = try(module.monitoring[0].grafana_url, null)
}

output "prometheus_url" {
  description = "Prometheus on the monitoring server (reachable from admin_cidrs), or null."
  value       = try(module.monitoring[0].prometheus_url, null)
}

output "monitoring_public_ip" {
  description = "Public IP of the monitoring server, or null."
  value       = try(module.monitoring[0].public_ip, null)
}

output "grafana_admin_password_parameter" {
  description = "SSM SecureString with Grafana's admin password, or null."
  value       = try(module.monitoring[0].grafana_admin_password_parameter, null)
}

output "fraud_scan_metrics_role_arn" {
  description = "Role the fraud-scan workflow assumes to upload its metrics: set it as the repository variable FRAUD_SCAN_METRICS_ROLE_ARN (null without fraud_scan_metrics_repository)."
  value       = try(module.monitoring[0].fraud_scan_metrics_role_arn, null)
}

output "fraud_scan_metrics_bucket" {
  description = "Bucket the fraud-scan workflow uploads fraud_scan.prom to: set it as the repository variable FRAUD_SCAN_METRICS_BUCKET (null without monitoring)."
  value       = try(module.monitoring[0].fraud_scan_metrics_object.bucket, null)
}
