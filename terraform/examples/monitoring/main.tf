# The monitoring server alone, in the region's default VPC: Prometheus, Alertmanager (to an SNS
# topic), the blackbox exporter and Grafana, configured from this repository's monitoring/
# folder through an S3 bucket the server polls.

provider "aws" {
  region = var.region
}

locals {
  name = "ex-${basename(path.cwd)}"
  tags = merge({ Project = local.name, Example = "true" }, var.tags)
}

module "monitoring" {
  #checkov:skip=CKV_AWS_358:checkov reads the upload role's trust document although it has count = 0 without fraud_scan_github_repository; with one, its sub is repo:<owner>/<name>:ref:refs/heads/<branch> exactly (validated, no wildcard).
  source = "../../modules/monitoring"

  name                     = local.name
  project                  = local.name
  region                   = var.region
  parameter_prefix         = "/${local.name}"
  permissions_boundary_arn = var.permissions_boundary_arn
  parameters_kms_key_arn   = var.parameters_kms_key_arn

  # The dashboards, rules and templates: the repository's monitoring/ folder (or a copy of it).
  config_dir = "${path.module}/../../../monitoring"

  admin_cidrs         = var.admin_cidrs
  scrape_cidr_blocks  = var.scrape_cidr_blocks
  alert_emails        = var.alert_emails
  instance_type       = var.instance_type
  probe_load_balancer = var.lb_health_url != null
  lb_health_url       = var.lb_health_url

  # The nightly fraud scan's metrics upload role, for one repository's default branch; "" makes none.
  fraud_scan_github_repository = var.fraud_scan_github_repository

  tags = local.tags
}
