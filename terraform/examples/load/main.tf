# The shop's load balancer on its own network: the vpc module's public subnets and app security
# group, and the load module's ALB with an empty target group on port 3000 (HTTP on 80; pass the
# module certificate_arn and domain_name for HTTPS). Register your servers in target_group_arn.

provider "aws" {
  region = var.region
}

locals {
  name = "ex-${basename(path.cwd)}"
  tags = merge({ Project = local.name, Example = "true" }, var.tags)
}

module "vpc" {
  source = "../../modules/vpc"

  name                       = local.name
  azs                        = var.azs
  single_nat_gateway         = true
  create_default_vpc_peering = false

  tags = local.tags
}

module "load" {
  source = "../../modules/load"

  name                  = local.name
  vpc_id                = module.vpc.vpc_id
  public_subnet_ids     = values(module.vpc.public_subnet_ids)
  app_security_group_id = module.vpc.app_security_group_id
  health_check_path     = var.health_check_path
  deletion_protection   = var.deletion_protection
  access_logs_bucket    = var.access_logs_bucket

  tags = local.tags
}
