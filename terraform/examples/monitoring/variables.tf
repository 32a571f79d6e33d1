variable "region" {
  description = "AWS region of the example (the server goes into its default VPC)."
  type        = string
  default     = "us-east-1"
}

variable "permissions_boundary_arn" {
  description = "ARN of the permissions boundary the server's role carries (terraform/bootstrap's workload_boundary_arn, or any managed policy of yours)."
  type        = string
}

variable "parameters_kms_key_arn" {
  description = "ARN of the KMS key (not an alias) Grafana's admin password parameter is encrypted under."
  type        = string
}

variable "admin_cidrs" {
  description = "Networks allowed to reach Grafana (3000) and Prometheus (9090), e.g. [\"203.0.113.7/32\"]; empty: none."
  type        = list(string)
  default     = []
}

variable "scrape_cidr_blocks" {
  description = "Networks of the servers Prometheus scrapes (9100, 8000), e.g. the shop VPC's CIDR."
  type        = list(string)
  default     = ["10.0.0.0/16"]
}

variable "alert_emails" {
  description = "E-mail addresses subscribed to the alerts topic (each confirms by mail)."
  type        = list(string)
  default     = []
}

variable "lb_health_url" {
  description = "URL the blackbox exporter probes (e.g. http://<alb dns>/readyz); null probes nothing."
  type        = string
  default     = null
}

variable "fraud_scan_github_repository" {
  description = "owner/name of the repository whose fraud-scan workflow may upload its metrics (GitHub OIDC, default branch only); empty creates no role."
  type        = string
  default     = ""
}

variable "instance_type" {
  description = "Instance type of the monitoring server."
  type        = string
  default     = "t3.small"
}

variable "tags" {
  description = "Extra tags on every resource (Name is set per resource)."
  type        = map(string)
  default     = {}
}
