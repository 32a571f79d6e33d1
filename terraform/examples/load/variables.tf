variable "region" {
  description = "AWS region of the example."
  type        = string
  default     = "us-east-1"
}

variable "azs" {
  description = "Availability zones of the subnets (the load balancer needs two); null takes the region's first two."
  type        = list(string)
  default     = null
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer: set false and apply before terraform destroy."
  type        = bool
  default     = true
}

variable "health_check_path" {
  description = "Path on the app servers' port 3000 the target group probes."
  type        = string
  default     = "/readyz"
}

variable "access_logs_bucket" {
  description = "Existing S3 bucket for the access logs (its policy must allow the regional ELB log delivery); null turns them off."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags on every resource (Name is set per resource)."
  type        = map(string)
  default     = {}
}
