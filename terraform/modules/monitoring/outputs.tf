################################################################################
# Monitoring server
################################################################################

output "instance_id" {
  description = "Instance ID of the monitoring server."
  value       = aws_instance.this.id
}

output "public_ip" {
  description = "Public IP of the monitoring server."
  value       = aws_instance.this.public_ip
}

output "grafana_url" {
  description = "Grafana (user admin, password in grafana_admin_password_parameter)."
  value       = "http://${aws_instance.this.public_ip}:3000"
}

output "prometheus_url" {
  description = "Prometheus UI."
  value       = "http://${aws_instance.this.public_ip}:9090"
}

output "grafana_admin_password_parameter" {
  description = "SSM SecureString holding Grafana's admin password (created by actions/app-secrets)."
  value       = local.grafana_admin_password_parameter
}

################################################################################
# Security Group and configuration
################################################################################

output "security_group_id" {
  description = "ID of the monitoring server's security group (the app servers allow 8000 and 9100 from it)."
  value       = aws_security_group.this.id
}

output "config_bucket" {
  description = "Private bucket the server mirrors its configuration from."
  value       = aws_s3_bucket.config.id
}

output "alerts_topic_arn" {
  description = "SNS topic Alertmanager publishes to: subscribe e-mail, SMS, chat or paging to it."
  value       = aws_sns_topic.alerts.arn
}

output "config_files" {
  description = "Keys uploaded from monitoring/ (plus prometheus/prometheus.yml when the template exists)."
  value = sort(concat(
    tolist(local.config_files),
    [for _ in local.prometheus_template : "prometheus/prometheus.yml"],
    [for _ in local.alertmanager_template : "alertmanager/alertmanager.yml"],
  ))
}

################################################################################
# The fraud scan's metrics
################################################################################

output "fraud_scan_metrics_role_arn" {
  description = "Role the fraud-scan workflow assumes to upload fraud_scan.prom (repository variable FRAUD_SCAN_METRICS_ROLE_ARN), or null."
  value       = try(aws_iam_role.fraud_scan_upload[0].arn, null)
}

output "fraud_scan_metrics_object" {
  description = "Where the fraud-scan workflow puts fraud_scan.prom: bucket (repository variable FRAUD_SCAN_METRICS_BUCKET) and key."
  value       = { bucket = aws_s3_bucket.config.id, key = local.fraud_scan_metrics_key }
}

output "fraud_model_role_arn" {
  description = "Role the fraud-scan workflow assumes to publish the fraud model (repository variable FRAUD_MODEL_ROLE_ARN), or null."
  value       = try(aws_iam_role.fraud_model_upload[0].arn, null)
}

output "fraud_model_object" {
  description = "Where the fraud-scan workflow publishes the model and the app servers fetch it from: bucket, key and the object's ARN (their read permission); null without the upload role."
  value       = local.fraud_scan_metrics_upload ? { bucket = aws_s3_bucket.config.id, key = local.fraud_model_key, arn = "${aws_s3_bucket.config.arn}/${local.fraud_model_key}" } : null
}

output "fraud_training_role_arn" {
  description = "Role the fraud-scan workflow assumes to read a training file staff uploaded (repository variable FRAUD_TRAINING_ROLE_ARN), or null."
  value       = try(aws_iam_role.fraud_training_download[0].arn, null)
}

output "fraud_training_uploads" {
  description = "Where the app servers put uploaded training files for the workflow: bucket, key prefix and the ARN pattern of its objects (their put permission); null without the download role."
  value       = local.fraud_scan_metrics_upload ? { bucket = aws_s3_bucket.config.id, prefix = local.fraud_training_prefix, arn = "${aws_s3_bucket.config.arn}/${local.fraud_training_prefix}*" } : null
}
