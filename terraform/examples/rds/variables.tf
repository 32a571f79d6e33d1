variable "region" {
  description = "AWS region of the example."
  type        = string
  default     = "us-east-1"
}

variable "azs" {
  description = "Availability zones of the subnets; null takes the region's first two."
  type        = list(string)
  default     = null
}

variable "instance_class" {
  description = "Instance class of the database."
  type        = string
  default     = "db.t3.micro"
}

variable "multi_az" {
  description = "A standby in the second zone with automatic failover (doubles the instance cost; false for a cheaper try)."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse to delete the database: set false and apply before terraform destroy."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Delete the database without a final snapshot (the default false keeps one, ex-rds-final)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags on every resource (Name is set per resource)."
  type        = map(string)
  default     = {}
}
