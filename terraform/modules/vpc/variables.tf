################################################################################
# VPC
################################################################################

variable "name" {
  description = "Name of the VPC (the original project's is wl6vpc); prefixes the names of everything in it."
  type        = string
  default     = "wl6vpc"
}

variable "cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.cidr))
    error_message = "cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "azs" {
  description = "Availability zones, one public, one private and one database subnet in each (the original project's: us-east-1a and us-east-1b). null: the first zones of the provider's region, in name order, one per public subnet (zones that need no opt-in, currently available)."
  type        = list(string)
  default     = null

  validation {
    condition     = var.azs == null || length(coalesce(var.azs, [])) >= 2
    error_message = "azs needs at least two zones: the load balancer and the database subnet group require two."
  }
}

variable "tags" {
  description = "Tags merged into every resource's tags (with its Name)."
  type        = map(string)
  default     = {}
}

################################################################################
# Subnets
################################################################################

variable "public_subnets" {
  description = "CIDR blocks of the public subnets (load balancer, bastions, NAT gateways), one per zone in azs order."
  type        = list(string)
  default     = ["10.0.1.0/24", "10.0.2.0/24"]

  validation {
    condition     = alltrue([for cidr in var.public_subnets : can(cidrnetmask(cidr))])
    error_message = "public_subnets must be IPv4 CIDR blocks."
  }

  validation {
    condition     = var.azs == null || length(var.public_subnets) == length(coalesce(var.azs, []))
    error_message = "public_subnets needs exactly one CIDR block per zone in azs."
  }
}

variable "private_subnets" {
  description = "CIDR blocks of the private subnets (app servers), one per zone in azs order."
  type        = list(string)
  default     = ["10.0.3.0/24", "10.0.4.0/24"]

  validation {
    condition     = alltrue([for cidr in var.private_subnets : can(cidrnetmask(cidr))])
    error_message = "private_subnets must be IPv4 CIDR blocks."
  }

  validation {
    condition     = var.azs == null || length(var.private_subnets) == length(coalesce(var.azs, []))
    error_message = "private_subnets needs exactly one CIDR block per zone in azs."
  }
}

variable "database_subnets" {
  description = "CIDR blocks of the database subnets (RDS only, no route out of the VPC), one per zone in azs order."
  type        = list(string)
  default     = ["10.0.5.0/24", "10.0.6.0/24"]

  validation {
    condition     = alltrue([for cidr in var.database_subnets : can(cidrnetmask(cidr))])
    error_message = "database_subnets must be IPv4 CIDR blocks."
  }

  validation {
    condition     = var.azs == null || length(var.database_subnets) == length(coalesce(var.azs, []))
    error_message = "database_subnets needs exactly one CIDR block per zone in azs."
  }
}

################################################################################
# NAT Gateways
################################################################################

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (the original project's layout, cheaper) instead of one per zone (a zone's loss then cuts every zone's egress)."
  type        = bool
  default     = false
}

################################################################################
# Peering with the default VPC
################################################################################

variable "create_default_vpc_peering" {
  description = "Peer with the region's default VPC (where the monitoring server runs) and route between the two both ways."
  type        = bool
  default     = true
}

################################################################################
# App Security Group
################################################################################

variable "allow_monitoring" {
  description = "Open 8000 (backend /metrics) and 9100 (node_exporter) on the app servers to monitoring_security_group_id."
  type        = bool
  default     = false
}

variable "monitoring_security_group_id" {
  description = "Security group of the monitoring server (in the peered default VPC); used when allow_monitoring is true."
  type        = string
  default     = null
}
