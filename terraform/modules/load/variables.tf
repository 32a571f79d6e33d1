################################################################################
# Load Balancer
################################################################################

variable "name" {
  description = "Name of the load balancer (at most 28 characters: the target group adds -app)."
  type        = string
  default     = "ecommerce-alb"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,27}$", var.name)) && !endswith(var.name, "-")
    error_message = "name must be 1 to 28 letters, digits or hyphens, not starting or ending with a hyphen."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer (set false, apply, then destroy, to remove it on purpose)."
  type        = bool
  default     = true
}

variable "idle_timeout" {
  description = "Seconds an idle connection stays open."
  type        = number
  default     = 60
}

variable "access_logs_bucket" {
  description = "Existing S3 bucket for access logs (its policy must allow the regional ELB log delivery); null turns access logs off."
  type        = string
  default     = null
}

variable "access_logs_prefix" {
  description = "Key prefix of the access logs in access_logs_bucket."
  type        = string
  default     = "alb"
}

variable "tags" {
  description = "Tags merged into every resource's tags (with its Name)."
  type        = map(string)
  default     = {}
}

################################################################################
# Listeners
################################################################################

variable "certificate_arn" {
  description = "ACM certificate (in the load balancer's region) for HTTPS on 443; port 80 then redirects to it. null serves plain HTTP on 80."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN: arn:<partition>:acm:<region>:<12-digit account>:certificate/<id>."
  }
}

variable "domain_name" {
  description = "Host name the certificate is for: the url output is https://<domain_name> when certificate_arn is set. Point a CNAME or alias record at dns_name."
  type        = string
  default     = null

  validation {
    condition     = (var.domain_name == null) == (var.certificate_arn == null)
    error_message = "domain_name and certificate_arn go together: set both (HTTPS) or neither (HTTP only)."
  }
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener (TLS 1.3 and 1.2 only by default)."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

################################################################################
# Target Group
################################################################################

variable "health_check_path" {
  description = "Path the load balancer probes on the frontend's port 3000 (/readyz: the frontend nginx passes it to the backend, which answers 200 only when the database does)."
  type        = string
  default     = "/readyz"

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "health_check_path must start with /."
  }
}

variable "deregistration_delay" {
  description = "Seconds a deregistered server keeps finishing its requests."
  type        = number
  default     = 30
}

################################################################################
# Network
################################################################################

variable "vpc_id" {
  description = "VPC of the load balancer."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets of the load balancer (at least two zones)."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "public_subnet_ids needs subnets in at least two zones."
  }
}

variable "app_security_group_id" {
  description = "Security group of the app servers: the load balancer is allowed to reach their 3000."
  type        = string
}
