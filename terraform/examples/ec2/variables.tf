variable "region" {
  description = "AWS region of the example."
  type        = string
  default     = "us-east-1"
}

variable "azs" {
  description = "Availability zones, one app Auto Scaling group in each; null takes the region's first two."
  type        = list(string)
  default     = null
}

variable "permissions_boundary_arn" {
  description = "ARN of the permissions boundary the servers' roles carry (terraform/bootstrap's workload_boundary_arn, or any managed policy of yours)."
  type        = string
}

variable "parameters_kms_key_arn" {
  description = "ARN of the KMS key (not an alias) the app's SecureStrings are under (terraform/bootstrap's parameters key, or any key of yours)."
  type        = string
}

variable "app_instance_type" {
  description = "Instance type of the app servers."
  type        = string
  default     = "t3.micro"
}

variable "app_min_size" {
  description = "Fewest app servers, all zones together."
  type        = number
  default     = 2
}

variable "app_max_size" {
  description = "Most app servers, all zones together."
  type        = number
  default     = 4
}

variable "create_bastions" {
  description = "A bastion per zone (a t3.micro each, about $8 a month); false leaves Session Manager as the only shell."
  type        = bool
  default     = false
}

variable "alb_deletion_protection" {
  description = "Refuse to delete the load balancer: set false and apply before terraform destroy."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Extra tags on every resource (Name is set per resource)."
  type        = map(string)
  default     = {}
}
