# The app servers behind the load balancer on their own network: the vpc module, the load
# module's ALB, and the ec2 module's launch template and one Auto Scaling group per zone, whose
# servers register in the target group. The user data is a minimal web server on 3000 (not the
# shop: the root module renders deploy.sh for that).

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
  deletion_protection   = var.alb_deletion_protection

  tags = local.tags
}

# A setting the app servers' role may read: the module's role names the parameters and secrets
# it reads, and an IAM statement needs at least one resource.
resource "aws_ssm_parameter" "message" {
  #checkov:skip=CKV2_AWS_34:A greeting, not a secret: a plain String by design (the project keeps no secret in Terraform).
  name        = "/${local.name}/message"
  description = "A setting the example's app servers may read"
  type        = "String"
  value       = "Hello from ${local.name}"

  tags = merge(local.tags, { Name = "/${local.name}/message" })
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

module "ec2" {
  source = "../../modules/ec2"

  name_prefix              = local.name
  permissions_boundary_arn = var.permissions_boundary_arn
  parameters_kms_key_arn   = var.parameters_kms_key_arn
  vpc_id                   = module.vpc.vpc_id
  public_subnet_ids        = module.vpc.public_subnet_ids
  private_subnet_ids       = module.vpc.private_subnet_ids
  app_security_group_id    = module.vpc.app_security_group_id
  create_bastions          = var.create_bastions
  app_instance_type        = var.app_instance_type

  target_group_arn             = module.load.target_group_arn
  request_count_resource_label = module.load.request_count_resource_label
  app_min_size                 = var.app_min_size
  app_desired_capacity         = var.app_min_size
  app_max_size                 = var.app_max_size

  app_user_data      = file("${path.module}/user-data.sh")
  app_parameter_arns = [aws_ssm_parameter.message.arn]
  # No secret is named so: the example's servers read none, and the statement needs a resource.
  app_secret_arns = ["arn:${data.aws_partition.current.partition}:secretsmanager:${var.region}:${data.aws_caller_identity.current.account_id}:secret:${local.name}/none-*"]

  tags = local.tags
}
