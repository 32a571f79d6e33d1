################################################################################
# General
################################################################################

variable "region" {
  description = "AWS region of everything (the original project's us-east-1)."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "Project tag on every resource and prefix of names; Prometheus finds the app servers by tag:Project (and tag:Role = app)."
  type        = string
  default     = "ecommerce"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))
    error_message = "project must be 2 to 21 lower-case letters, digits or hyphens, starting with a letter (it prefixes bucket, IAM and load balancer names)."
  }
}

variable "tags" {
  description = "Extra tags on every resource (Project is added from var.project, Name per resource)."
  type        = map(string)
  default     = {}
}

################################################################################
# VPC
################################################################################

variable "vpc_name" {
  description = "Name of the shop's VPC (the original project's wl6vpc)."
  type        = string
  default     = "wl6vpc"
}

variable "vpc_cidr" {
  description = "CIDR block of the shop's VPC; must not overlap the default VPC's (172.31.0.0/16) for the peering."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr))
    error_message = "vpc_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
  # The load balancer connects to the servers from addresses in this block; the storefront's
  # nginx and Django believe X-Forwarded-Proto/-For only from the private ranges.
  validation {
    condition     = !can(cidrnetmask(var.vpc_cidr)) || anytrue([for net in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] : try(tonumber(split("/", var.vpc_cidr)[1]) >= tonumber(split("/", net)[1]) && cidrhost("${split("/", var.vpc_cidr)[0]}/${split("/", net)[1]}", 0) == split("/", net)[0], false)])
    error_message = "vpc_cidr must lie in a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16): the storefront's nginx and Django trust the load balancer's forwarded headers (the buyer's scheme and address) only from those networks."
  }
}

variable "azs" {
  description = "Availability zones (the original project's us-east-1a and us-east-1b): a public, a private and a database subnet, a bastion and an app server in each. null (the default): the region's first zones in name order, one per public subnet, so another region needs no change; set it to choose (e.g. [\"eu-central-1b\", \"eu-central-1c\"])."
  type        = list(string)
  default     = null
}

variable "public_subnets" {
  description = "Public subnet CIDRs, one per zone."
  type        = list(string)
  default     = ["10.0.1.0/24", "10.0.2.0/24"]
}

variable "private_subnets" {
  description = "Private (app) subnet CIDRs, one per zone."
  type        = list(string)
  default     = ["10.0.3.0/24", "10.0.4.0/24"]
}

variable "database_subnets" {
  description = "Database subnet CIDRs, one per zone."
  type        = list(string)
  default     = ["10.0.5.0/24", "10.0.6.0/24"]
}

variable "single_nat_gateway" {
  description = "One NAT gateway for both zones (the original project's, cheaper) instead of one per zone."
  type        = bool
  default     = false
}

################################################################################
# Access
################################################################################

variable "admin_ssh_cidrs" {
  description = "Networks allowed to SSH to the bastions (e.g. [\"203.0.113.7/32\"]). Empty: no SSH, Session Manager only."
  type        = list(string)
  default     = []
}

variable "admin_cidrs" {
  description = "Networks allowed to reach Grafana (3000) and Prometheus (9090) on the monitoring server."
  type        = list(string)
  default     = []
}

variable "key_name" {
  description = "EC2 key pair of the servers; null leaves Session Manager as the only shell."
  type        = string
  default     = null
}

################################################################################
# Servers
################################################################################

variable "create_bastions" {
  description = "Create the original project's two bastions (ecommerce_bastion_az1/az2)."
  type        = bool
  default     = true
}

variable "bastion_instance_type" {
  description = "Instance type of the bastions."
  type        = string
  default     = "t3.micro"
}

variable "app_instance_type" {
  description = "Instance type of the app servers."
  type        = string
  default     = "t3.small"
}

# Totals over the zones; each zone's Auto Scaling group gets an even share (modules/ec2).
variable "app_min_size" {
  description = "Fewest app servers, all zones together (an even share per zone's Auto Scaling group)."
  type        = number
  default     = 2

  validation {
    condition     = var.app_min_size >= 0 && floor(var.app_min_size) == var.app_min_size
    error_message = "app_min_size must be a whole number of servers, 0 or more, got ${var.app_min_size}: set app_min_size <= app_desired_capacity <= app_max_size."
  }
}

variable "app_desired_capacity" {
  description = "App servers to start with, all zones together; target tracking (CPU, requests per server) moves it between app_min_size and app_max_size."
  type        = number
  default     = 2

  validation {
    condition     = floor(var.app_desired_capacity) == var.app_desired_capacity && var.app_desired_capacity >= var.app_min_size
    error_message = "app_desired_capacity (${var.app_desired_capacity}) must be a whole number no smaller than app_min_size (${var.app_min_size}): set app_min_size <= app_desired_capacity <= app_max_size."
  }
}

variable "app_max_size" {
  description = "Most app servers, all zones together: how far target tracking may scale out."
  type        = number
  default     = 6

  validation {
    condition     = floor(var.app_max_size) == var.app_max_size && var.app_max_size >= 1 && var.app_max_size >= var.app_desired_capacity
    error_message = "app_max_size (${var.app_max_size}) must be a whole number, at least 1 and no smaller than app_desired_capacity (${var.app_desired_capacity}): set app_min_size <= app_desired_capacity <= app_max_size."
  }
}

variable "fraud_scoring" {
  description = "What the backend does with a charge its fraud model flags (FRAUD_SCORING in backend.env, app/backend/README.md): flag records and counts it, hold also keeps the order in review until staff approve it, off scores nothing. deploy.yml sets it from the repository variable FRAUD_SCORING."
  type        = string
  default     = "flag"

  validation {
    condition     = contains(["flag", "hold", "off"], var.fraud_scoring)
    error_message = "fraud_scoring must be flag, hold or off, got \"${var.fraud_scoring}\" (the repository variable FRAUD_SCORING)."
  }
}

################################################################################
# Images and registry (passed by the deploy workflow)
################################################################################

variable "backend_image" {
  description = "Backend image, pinned by digest (docker.io/<user>/ecommerce-backend@sha256:...)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$", var.backend_image))
    error_message = "backend_image must be pinned by digest: <repository>@sha256:<64 hex> (a tag may be kept before the @)."
  }
}

variable "frontend_image" {
  description = "Frontend image, pinned by digest (docker.io/<user>/ecommerce-frontend@sha256:...)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$", var.frontend_image))
    error_message = "frontend_image must be pinned by digest: <repository>@sha256:<64 hex> (a tag may be kept before the @)."
  }
}

variable "dockerhub_username" {
  description = "Registry user the servers log in as to pull the images."
  type        = string
}

variable "dockerhub_password_parameter_name" {
  description = "Name of the SSM SecureString holding the registry password or token (created outside Terraform; the servers read it with their role)."
  type        = string
  default     = "/ecommerce/dockerhub/password"

  validation {
    condition     = can(regex("^/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.dockerhub_password_parameter_name))
    error_message = "dockerhub_password_parameter_name must be an SSM parameter name such as /ecommerce/dockerhub/password."
  }
}

################################################################################
# Database
################################################################################

variable "db_engine_version" {
  description = "PostgreSQL version (a major such as \"16\" takes minor upgrades automatically)."
  type        = string
  default     = "16"
}

variable "db_instance_class" {
  description = "Instance class of the database."
  type        = string
  default     = "db.t3.micro"
}

variable "db_name" {
  description = "Name of the shop's database."
  type        = string
  default     = "ecommerce"
}

variable "db_username" {
  description = "Master user of the database (its password is generated and kept by RDS in Secrets Manager)."
  type        = string
  default     = "ecommerce_admin"
}

variable "db_app_username" {
  description = "The app's own database role: it owns the shop's tables and nothing more (no CREATEROLE, no other database). The servers' db-setup creates it as the master user, with the password in SSM /<project>/app/db_password."
  type        = string
  default     = "ecommerce_app"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.db_app_username)) && !contains(["postgres", "rdsadmin", "public"], var.db_app_username) && !startswith(var.db_app_username, "pg_") && !startswith(var.db_app_username, "rds")
    error_message = "db_app_username must be 1 to 63 lower-case letters, digits and underscores, starting with a letter or underscore, and not a role of PostgreSQL or RDS (postgres, rdsadmin, public, pg_*, rds*)."
  }

  validation {
    condition     = var.db_app_username != var.db_username
    error_message = "db_app_username must differ from db_username: the app must not connect as the master user."
  }
}

variable "db_multi_az" {
  description = "A standby database in the second zone with automatic failover."
  type        = bool
  default     = true
}

variable "db_backup_retention_period" {
  description = "Days of automated database backups (1 to 35)."
  type        = number
  default     = 7
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database."
  type        = bool
  default     = true
}

variable "db_skip_final_snapshot" {
  description = "Delete the database without a final snapshot (default false keeps one)."
  type        = bool
  default     = false
}

################################################################################
# Load balancer
################################################################################

# TLS: both or neither. Without them the shop is HTTP only, on the load balancer's own name (the
# deploy workflow's summary then says it is not fit for real customers). With them: HTTPS on 443,
# 80 redirects to it, Django redirects, sends HSTS and marks its cookies Secure (README.md, TLS).
variable "domain_name" {
  description = "The shop's host name (e.g. shop.example.com), served over HTTPS with certificate_arn: set both or neither. null: HTTP only, on the load balancer's DNS name."
  type        = string
  default     = null

  validation {
    condition     = var.domain_name == null || !strcontains(coalesce(var.domain_name, "-"), "://")
    error_message = "domain_name is a host name, not a URL: drop the scheme (shop.example.com, not https://shop.example.com)."
  }
  validation {
    condition     = var.domain_name == null || strcontains(coalesce(var.domain_name, "-"), "://") || !strcontains(coalesce(var.domain_name, "-"), "/")
    error_message = "domain_name is a host name: no path (shop.example.com, not shop.example.com/shop)."
  }
  validation {
    condition     = var.domain_name == null || !strcontains(coalesce(var.domain_name, "-"), "*")
    error_message = "domain_name must be the one host the shop answers on, not a wildcard (a wildcard certificate may cover it, but the name is concrete: shop.example.com)."
  }
  validation {
    condition     = var.domain_name == null || can(regex("[/*]", var.domain_name)) || (can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", var.domain_name)) && length(coalesce(var.domain_name, "-")) <= 253)
    error_message = "domain_name must be a lower-case DNS host name of at least two labels, e.g. shop.example.com."
  }
}

# Validated here against region and domain_name (a variable's validation may read others since
# Terraform 1.9; domain_name cannot read this one back, which would be a cycle).
variable "certificate_arn" {
  description = "ACM certificate (in var.region) for domain_name: HTTPS on 443, and port 80 redirects to it. Set both or neither; null serves plain HTTP on 80."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN: arn:<partition>:acm:<region>:<12-digit account>:certificate/<id>."
  }
  validation {
    condition     = var.certificate_arn == null || try(split(":", var.certificate_arn)[3] == var.region, true)
    error_message = "certificate_arn is a certificate in ${try(split(":", var.certificate_arn)[3], "?")}, but the load balancer is in ${var.region}: an ALB can only use an ACM certificate from its own region. Request or import the certificate in ${var.region}."
  }
  validation {
    condition     = (var.certificate_arn == null) == (var.domain_name == null)
    error_message = "${var.certificate_arn == null ? "domain_name is set but certificate_arn is not" : "certificate_arn is set but domain_name is not"}: set both (HTTPS on domain_name) or neither (HTTP only, on the load balancer's own name)."
  }
}

variable "health_check_path" {
  description = "Health path on the frontend's port 3000, probed by the load balancer, the deploy step and the monitoring's blackbox probe (/readyz: nginx passes it to the backend, 200 only when the database answers; docker/README.md)."
  type        = string
  default     = "/readyz"
}

variable "domain_names" {
  description = "Further host names of the shop (e.g. [\"www.example.com\"]), allowed besides the load balancer's DNS name and domain_name (the certificate must cover them for HTTPS)."
  type        = list(string)
  default     = []
}

variable "alb_deletion_protection" {
  description = "Refuse to delete the load balancer."
  type        = bool
  default     = true
}

variable "alb_access_logs_bucket" {
  description = "Existing S3 bucket for the load balancer's access logs; null turns them off."
  type        = string
  default     = null
}

################################################################################
# Monitoring
################################################################################

variable "create_monitoring" {
  description = "Create the monitoring server (Prometheus, Grafana) in the default VPC, peered with the shop's."
  type        = bool
  default     = true
}

variable "alert_emails" {
  description = "E-mail addresses subscribed to the monitoring alerts' SNS topic (each confirms by mail)."
  type        = list(string)
  default     = []
}

variable "monitoring_instance_type" {
  description = "Instance type of the monitoring server."
  type        = string
  default     = "t3.small"
}

variable "fraud_scan_metrics_repository" {
  description = "owner/name of the repository whose nightly fraud-scan workflow (default branch only, GitHub OIDC) may upload fraud_scan.prom to the monitoring bucket; empty creates no upload role. deploy.yml sets it when the repository variable FRAUD_SCAN_METRICS_UPLOAD is true."
  type        = string
  default     = ""
}

variable "fraud_scan_metrics_branch" {
  description = "The repository's default branch, the only one whose workflow runs may upload the fraud scan's metrics."
  type        = string
  default     = "main"
}

variable "fraud_scan_pin_workflow" {
  description = "The fraud scan's upload roles (metrics and model) trust only .github/workflows/fraud-scan.yml's runs (job_workflow_ref in the OIDC subject); set the repository's subject template to repo, context, job_workflow_ref first (docs/deploy.md)."
  type        = bool
  default     = false
}
