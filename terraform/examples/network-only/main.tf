# The shop's network alone, with the original project's single NAT gateway and no peering: a
# cheap way to try the vpc module (terraform init && terraform apply in this folder).

provider "aws" {
  region = "us-east-1"
}

locals {
  name = "ex-${basename(path.cwd)}"
}

module "vpc" {
  source = "../../modules/vpc"

  name                       = local.name
  azs                        = ["us-east-1a", "us-east-1b"]
  single_nat_gateway         = true
  create_default_vpc_peering = false

  tags = { Project = local.name, Example = "true" }
}
