################################################################################
# DB Instance
################################################################################

variable "identifier" {
  description = "Name of the database instance; also names its subnet group, security group and final snapshot."
  type        = string
  default     = "ecommerce-db"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.identifier))
    error_message = "identifier must start with a letter and hold only lower-case letters, digits and hyphens (at most 63)."
  }
}

variable "engine_version" {
  description = "PostgreSQL version: a major (\"16\", minor upgrades then automatic) or an exact one (\"16.4\")."
  type        = string
  default     = "16"
}

variable "instance_class" {
  description = "Instance class of the database."
  type        = string
  default     = "db.t3.micro"
}

variable "db_name" {
  description = "Name of the database the shop uses."
  type        = string
  default     = "ecommerce"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must start with a letter and hold only letters, digits and underscores."
  }
}

variable "username" {
  description = "Master user name. Its password is generated and rotated by RDS in Secrets Manager."
  type        = string
  default     = "ecommerce_admin"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,15}$", var.username)) && !contains(["admin", "postgres", "rdsadmin"], lower(var.username))
    error_message = "username must start with a letter, hold letters, digits and underscores (at most 16), and not be a reserved name."
  }
}

variable "allocated_storage" {
  description = "Initial storage in GiB."
  type        = number
  default     = 20
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling in GiB (0 turns autoscaling off)."
  type        = number
  default     = 100
}

variable "kms_key_id" {
  description = "ARN of a customer-managed KMS key for storage (and Performance Insights); null uses the AWS-managed aws/rds key."
  type        = string
  default     = null
}

variable "multi_az" {
  description = "A standby in a second zone with automatic failover (the original project's own Optimization section asks for it); false halves the cost."
  type        = bool
  default     = true
}

variable "performance_insights_enabled" {
  description = "Turn on Performance Insights (not every small instance class supports it)."
  type        = bool
  default     = false
}

variable "log_min_duration_statement_ms" {
  description = "Statements slower than this many milliseconds are logged (-1 turns it off)."
  type        = number
  default     = 1000
}

variable "apply_immediately" {
  description = "Apply modifications now instead of in the next maintenance window."
  type        = bool
  default     = false
}

################################################################################
# Backups and deletion
################################################################################

variable "backup_retention_period" {
  description = "Days of automated backups (point-in-time recovery); 0 turns backups off and is refused."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_period >= 1 && var.backup_retention_period <= 35
    error_message = "backup_retention_period must be between 1 and 35 days."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the database (set false, apply, then destroy, to remove it on purpose)."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Delete without a final snapshot. The safe default false keeps a snapshot named <identifier>-final."
  type        = bool
  default     = false
}

################################################################################
# Network
################################################################################

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets of the database subnet group (at least two zones)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids needs subnets in at least two zones."
  }
}

variable "app_security_group_id" {
  description = "Security group of the app servers: the only source allowed to reach 5432."
  type        = string
}

variable "tags" {
  description = "Tags merged into every resource's tags (with its Name)."
  type        = map(string)
  default     = {}
}
