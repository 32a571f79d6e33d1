################################################################################
# The shop
################################################################################

output "shop_url" {
  description = "The shop's URL: https://<domain_name> with a certificate, else http:// and the load balancer's DNS name."
  value       = module.load.url
}

output "tls_enabled" {
  description = "Whether the shop is served over HTTPS (certificate_arn and domain_name set). false: HTTP only, not fit for real customers."
  value       = var.certificate_arn != null
}

output "alb_dns_name" {
  description = "DNS name of the load balancer (point a CNAME or alias record at it)."
  value       = module.load.dns_name
}

output "target_group_arn" {
  description = "Target group of the app servers: their Auto Scaling groups register their instances there."
  value       = module.load.target_group_arn
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
  value       = module.ec2.bastion_public_ips
}

output "app_autoscaling_group_names" {
  description = "The app servers' Auto Scaling groups, one per zone, in zone order: the deploy's instance refresh replaces their servers one group after the other."
  value       = module.ec2.app_autoscaling_group_names
}

output "launch_template_id" {
  description = "The app servers' launch template (lt-...)."
  value       = module.ec2.launch_template_id
}

output "release_images" {
  description = "The images the newest launch template version names (backend, frontend; digest-pinned): what the last apply released. The drift check plans with them, so a release is not drift."
  value = {
    backend  = var.backend_image
    frontend = var.frontend_image
  }
}

output "launch_template_version" {
  description = "The launch template version this apply made the newest (a number; its user data names the release's images): what the deploy's instance refresh rolls out."
  value       = module.ec2.launch_template_version
}

################################################################################
# Database
################################################################################

output "rds_endpoint" {
  description = "host:port of the database."
  value       = module.rds.endpoint
}

output "db_master_secret_arn" {
  description = "Secrets Manager secret with the database master user and password (managed and rotated by RDS)."
  value       = module.rds.master_user_secret_arn
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

output "fraud_model_role_arn" {
  description = "Role the fraud-scan workflow assumes to publish the fraud model for the app servers: set it as the repository variable FRAUD_MODEL_ROLE_ARN (null without fraud_scan_metrics_repository)."
  value       = try(module.monitoring[0].fraud_model_role_arn, null)
}

output "fraud_model_object" {
  description = "Bucket and key the fraud-scan workflow publishes the model to (repository variable FRAUD_MODEL_BUCKET is the bucket) and the app servers fetch it from; null without the upload role."
  value       = try({ bucket = local.fraud_model.bucket, key = local.fraud_model.key }, null)
}

output "fraud_training_role_arn" {
  description = "Role the fraud-scan workflow assumes to read a training CSV staff uploaded for a retraining: set it as the repository variable FRAUD_TRAINING_ROLE_ARN, and FRAUD_TRAINING_BUCKET to fraud_training_bucket (null without fraud_scan_metrics_repository)."
  value       = try(module.monitoring[0].fraud_training_role_arn, null)
}

output "fraud_training_bucket" {
  description = "Bucket the app servers put uploaded training CSVs in (under fraud-training/uploads/, expired after 3 days): set it as the repository variable FRAUD_TRAINING_BUCKET (null without the download role)."
  value       = try(local.fraud_training_uploads.bucket, null)
}
