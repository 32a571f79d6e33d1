# The shop's database on its own network: the vpc module's database subnets (no route out of
# the VPC) and the rds module's PostgreSQL, reachable on 5432 only from the app security group.

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

module "rds" {
  source = "../../modules/rds"

  identifier            = local.name
  vpc_id                = module.vpc.vpc_id
  subnet_ids            = values(module.vpc.database_subnet_ids)
  app_security_group_id = module.vpc.app_security_group_id

  instance_class      = var.instance_class
  multi_az            = var.multi_az
  deletion_protection = var.deletion_protection
  skip_final_snapshot = var.skip_final_snapshot

  tags = local.tags
}
