output "grafana_url" {
  description = "Grafana (user admin; reachable from admin_cidrs)."
  value       = module.monitoring.grafana_url
}

output "prometheus_url" {
  description = "Prometheus (reachable from admin_cidrs)."
  value       = module.monitoring.prometheus_url
}

output "grafana_admin_password_parameter" {
  description = "SSM SecureString Grafana's admin password is read from: create it before the apply (README)."
  value       = module.monitoring.grafana_admin_password_parameter
}

output "instance_id" {
  description = "The monitoring server (aws ssm start-session --target <id>)."
  value       = module.monitoring.instance_id
}

output "alerts_topic_arn" {
  description = "SNS topic Alertmanager publishes alerts to."
  value       = module.monitoring.alerts_topic_arn
}
