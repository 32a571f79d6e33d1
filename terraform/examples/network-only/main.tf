# The shop's network alone, with the original project's single NAT gateway and no peering: a
# cheap way to try the vpc module (terraform init && terraform apply in this folder).

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
  single_nat_gateway         = var.single_nat_gateway
  create_default_vpc_peering = false

  tags = local.tags
}
