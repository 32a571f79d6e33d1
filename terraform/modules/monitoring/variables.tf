################################################################################
# Naming and tags
################################################################################

variable "name" {
  description = "Name of the monitoring server; also names its role, security group and bucket prefix."
  type        = string
  default     = "ecommerce-monitoring"
}

variable "project" {
  description = "Project tag value Prometheus discovers the app servers by (tag:Project, with tag:Role = app)."
  type        = string
  default     = "ecommerce"
}

variable "region" {
  description = "Region Prometheus discovers the app servers in."
  type        = string
  default     = "us-east-1"
}

variable "parameter_prefix" {
  description = "SSM parameter path prefix (the Grafana password is <prefix>/monitoring/grafana_admin_password)."
  type        = string
  default     = "/ecommerce"

  validation {
    condition     = can(regex("^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.parameter_prefix))
    error_message = "parameter_prefix must be an SSM path such as /ecommerce (leading slash, no trailing one)."
  }
}

variable "tags" {
  description = "Tags merged into every resource's tags (with its Name)."
  type        = map(string)
  default     = {}
}

################################################################################
# Network
################################################################################

variable "vpc_id" {
  description = "VPC of the monitoring server; null uses the region's default VPC (the original project's placement)."
  type        = string
  default     = null
}

variable "subnet_id" {
  description = "Subnet of the monitoring server; null takes the first default subnet of the VPC."
  type        = string
  default     = null
}

variable "admin_cidrs" {
  description = "Networks allowed to reach Prometheus (9090) and Grafana (3000). Empty means none; the whole internet is refused."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.admin_cidrs : can(cidrnetmask(cidr)) && cidr != "0.0.0.0/0"])
    error_message = "admin_cidrs must be IPv4 CIDR blocks narrower than 0.0.0.0/0 (e.g. 203.0.113.7/32)."
  }
}

variable "scrape_cidr_blocks" {
  description = "Networks of the scraped servers (the shop VPC's CIDR): egress to 9100 and 8000 goes only there."
  type        = list(string)

  validation {
    condition     = alltrue([for cidr in var.scrape_cidr_blocks : can(cidrnetmask(cidr)) && cidr != "0.0.0.0/0"])
    error_message = "scrape_cidr_blocks must be IPv4 CIDR blocks narrower than 0.0.0.0/0."
  }
}

################################################################################
# Instance
################################################################################

variable "instance_type" {
  description = "Instance type of the monitoring server (Prometheus and Grafana)."
  type        = string
  default     = "t3.small"
}

variable "root_volume_size" {
  description = "Root volume in GiB (Prometheus keeps its data there)."
  type        = number
  default     = 30
}

variable "key_name" {
  description = "EC2 key pair; null (the default) leaves Session Manager as the only shell (no SSH port is open)."
  type        = string
  default     = null
}

variable "ami_owner" {
  description = "Owner of the AMI (099720109477 is Canonical)."
  type        = string
  default     = "099720109477"
}

variable "ami_name_pattern" {
  description = "Name pattern of the AMI; the newest match is used (Ubuntu 24.04 LTS by default)."
  type        = string
  default     = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"
}

################################################################################
# Prometheus, Grafana, Alertmanager
################################################################################

variable "config_dir" {
  description = "The repository's monitoring/ folder: prometheus/prometheus.ec2.yml.tftpl, prometheus/rules/, grafana/provisioning/, grafana/dashboards/, alertmanager/."
  type        = string
}

variable "grafana_image" {
  description = "Grafana image (Ubuntu does not package Grafana); pin a digest, repo:tag@sha256:..., for reproducible servers."
  type        = string
  default     = "grafana/grafana-oss:11.3.0"
}

variable "alert_emails" {
  description = "E-mail addresses subscribed to the alerts topic (each must confirm the subscription AWS mails)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for email in var.alert_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", email))])
    error_message = "alert_emails must be e-mail addresses."
  }
}

variable "probe_load_balancer" {
  description = "Have the blackbox exporter probe lb_health_url (the lb_health job); false leaves the job without a target."
  type        = bool
  default     = false
}

variable "lb_health_url" {
  description = "URL of the shop's health path through the load balancer (e.g. http://<alb dns>/readyz), used when probe_load_balancer is true."
  type        = string
  default     = null
}

variable "prometheus_retention" {
  description = "How long Prometheus keeps samples (a Prometheus duration such as 15d)."
  type        = string
  default     = "15d"

  validation {
    condition     = can(regex("^[0-9]+(ms|s|m|h|d|w|y)$", var.prometheus_retention))
    error_message = "prometheus_retention must be a Prometheus duration such as 15d or 720h."
  }
}

variable "config_sync_interval_seconds" {
  description = "How often the server polls its bucket for configuration changes."
  type        = number
  default     = 120
}

variable "parameters_kms_key_arn" {
  description = "ARN of the customer-managed KMS key Grafana's admin password is encrypted under (terraform/bootstrap's alias/<project>-parameters): the role may decrypt with it through SSM only."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.parameters_kms_key_arn))
    error_message = "parameters_kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), not an alias."
  }
}

################################################################################
# The fraud scan's metrics
################################################################################

variable "fraud_scan_github_repository" {
  description = "owner/name of the repository whose fraud-scan workflow may put fraud_scan.prom into the bucket (a role for GitHub OIDC); empty creates no role."
  type        = string
  default     = ""

  validation {
    condition     = var.fraud_scan_github_repository == "" || can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.fraud_scan_github_repository))
    error_message = "fraud_scan_github_repository must be owner/name exactly (no wildcard), or empty."
  }
}

variable "fraud_scan_github_branch" {
  description = "The repository's default branch: only its workflow runs (sub repo:<owner>/<name>:ref:refs/heads/<branch>) may assume the upload role."
  type        = string
  default     = "main"

  validation {
    condition     = can(regex("^[A-Za-z0-9_./-]+$", var.fraud_scan_github_branch))
    error_message = "fraud_scan_github_branch must be a branch name without wildcards."
  }
}

variable "fraud_scan_pin_workflow" {
  description = "Trust only tokens whose subject also names .github/workflows/fraud-scan.yml (job_workflow_ref), so no other workflow on the branch may upload. Set the repository's OIDC subject template to repo, context, job_workflow_ref first (docs/deploy.md), or both upload roles refuse every token."
  type        = bool
  default     = false
}

variable "fraud_scan_fetch_interval_seconds" {
  description = "How often the server fetches fraud_scan.prom from the bucket (the scan runs nightly; minutes are plenty)."
  type        = number
  default     = 300
}

variable "iam_path" {
  description = "IAM path of this module's roles and instance profile: the only path the pipeline's apply role may write roles under (terraform/bootstrap/policies)."
  type        = string
  default     = "/ecommerce/"

  validation {
    condition     = can(regex("^/([A-Za-z0-9+=,.@_-]+/)+$", var.iam_path))
    error_message = "iam_path must start and end with / (e.g. /ecommerce/)."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of the permissions boundary every role here carries (terraform/bootstrap's workload_boundary_arn)."
  type        = string
}
