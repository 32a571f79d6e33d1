variable "region" {
  description = "AWS region of the example."
  type        = string
  default     = "us-east-1"
}

variable "azs" {
  description = "Availability zones, one public, one private and one database subnet in each; null takes the region's first two."
  type        = list(string)
  default     = null
}

variable "single_nat_gateway" {
  description = "One NAT gateway for both zones (cheaper; the original project's layout) instead of one per zone."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Extra tags on every resource (Name is set per resource)."
  type        = map(string)
  default     = {}
}
