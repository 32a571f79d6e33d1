locals {
  tags = merge(var.tags, { Project = var.project })

  # The monitoring/ and compose/ folders beside terraform/ in the repository.
  monitoring_dir = "${path.module}/../monitoring"
  compose_file   = "${path.module}/../compose/compose.yml"

  # Parameters the app servers read with their role. The registry password's parameter is
  # created outside Terraform (see README.md), so only its name and ARN appear here.
  parameter_arn_prefix             = "arn:${data.aws_partition.current.partition}:ssm:${var.region}:${data.aws_caller_identity.current.account_id}:parameter"
  dockerhub_password_parameter_arn = "${local.parameter_arn_prefix}/${trimprefix(var.dockerhub_password_parameter_name, "/")}"

  # The app's own keys: SecureStrings under the project's KMS key that the deploy workflow's
  # actions/app-secrets step creates (and rotates) before the apply. Terraform only names them:
  # its AWS provider reads a managed SecureString with decryption, which the plan role must not
  # be able to do (README.md, Secrets).
  django_secret_key_parameter    = "/${var.project}/app/django_secret_key"
  card_fingerprint_key_parameter = "/${var.project}/app/card_fingerprint_key"
  # The app's own database password (the same step creates it); the app servers' db-setup gives
  # the role var.db_app_username this password, as the master user (README.md, Database users).
  db_app_password_parameter = "/${var.project}/app/db_password"
  # The app role's connection limit: per server gunicorn's worker cap (8) x 4 threads, plus 4 for
  # the entrypoint's commands and a container being replaced; one app server per zone.
  db_app_connection_limit = length(module.VPC.zone_keys) * (8 * 4 + 4)

  # Every role this root creates lives under /<project>/ and carries the workload boundary that
  # terraform/bootstrap created: the apply role may write no other (bootstrap/policies).
  iam_path                 = "/${var.project}/"
  permissions_boundary_arn = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:policy/${var.project}-workload-boundary"
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# The customer-managed key terraform/bootstrap creates for the SecureStrings: only the server
# roles may decrypt with it (through SSM); the pipeline's plan role is denied kms:Decrypt.
data "aws_kms_alias" "parameters" {
  name = "alias/${var.project}-parameters"
}

################################################################################
# Monitoring (default VPC; independent of the shop's VPC, so it comes first)
################################################################################

module "monitoring" {
  source = "./modules/monitoring"
  count  = var.create_monitoring ? 1 : 0

  name                     = "${var.project}-monitoring"
  project                  = var.project
  iam_path                 = local.iam_path
  permissions_boundary_arn = local.permissions_boundary_arn
  region                   = var.region
  parameter_prefix         = "/${var.project}"
  admin_cidrs              = var.admin_cidrs
  scrape_cidr_blocks       = [var.vpc_cidr]
  config_dir               = local.monitoring_dir
  instance_type            = var.monitoring_instance_type
  key_name                 = var.key_name
  alert_emails             = var.alert_emails

  # The blackbox probe of the shop's health path through the load balancer.
  probe_load_balancer = true
  lb_health_url       = "${module.Load.url}${var.health_check_path}"

  # The nightly fraud scan's metrics: an upload role for this repository's default branch.
  fraud_scan_github_repository = var.fraud_scan_metrics_repository
  fraud_scan_github_branch     = var.fraud_scan_metrics_branch

  # The key of Grafana's password; the monitoring role may decrypt with it through SSM only.
  parameters_kms_key_arn = data.aws_kms_alias.parameters.target_key_arn

  tags = local.tags
}

################################################################################
# VPC → RDS → EC2 → Load (the original project's order)
################################################################################

module "VPC" {
  source = "./modules/vpc"

  name               = var.vpc_name
  cidr               = var.vpc_cidr
  azs                = var.azs
  public_subnets     = var.public_subnets
  private_subnets    = var.private_subnets
  database_subnets   = var.database_subnets
  single_nat_gateway = var.single_nat_gateway

  create_default_vpc_peering   = var.create_monitoring
  allow_monitoring             = var.create_monitoring
  monitoring_security_group_id = try(module.monitoring[0].security_group_id, null)

  tags = local.tags
}

module "RDS" {
  source = "./modules/rds"

  identifier            = "${var.project}-db"
  vpc_id                = module.VPC.vpc_id
  subnet_ids            = values(module.VPC.database_subnet_ids)
  app_security_group_id = module.VPC.app_security_group_id

  engine_version          = var.db_engine_version
  instance_class          = var.db_instance_class
  db_name                 = var.db_name
  username                = var.db_username
  multi_az                = var.db_multi_az
  backup_retention_period = var.db_backup_retention_period
  deletion_protection     = var.db_deletion_protection
  skip_final_snapshot     = var.db_skip_final_snapshot

  tags       = local.tags
  depends_on = [module.VPC]
}

################################################################################
# What the app servers read at run time (SSM Parameter Store)
################################################################################

# The image references the servers run. Terraform updates them; the deploy workflow then runs
# the deploy document below on one server at a time (README.md: how a new image reaches the
# servers). They are not secrets.
resource "aws_ssm_parameter" "backend_image" {
  #checkov:skip=CKV2_AWS_34:An image reference, not a secret: a plain String by design.
  name        = "/${var.project}/deploy/backend_image"
  description = "Backend image the app servers run (digest-pinned)"
  type        = "String"
  value       = var.backend_image

  tags = merge(local.tags, { Name = "${var.project}-backend-image" })
}

resource "aws_ssm_parameter" "frontend_image" {
  #checkov:skip=CKV2_AWS_34:An image reference, not a secret: a plain String by design.
  name        = "/${var.project}/deploy/frontend_image"
  description = "Frontend image the app servers run (digest-pinned)"
  type        = "String"
  value       = var.frontend_image

  tags = merge(local.tags, { Name = "${var.project}-frontend-image" })
}

# The host names Django answers to: the load balancer's and the owner's domains. Written after
# the load balancer exists; the servers' first deploy waits for it.
resource "aws_ssm_parameter" "allowed_hosts" {
  #checkov:skip=CKV2_AWS_34:Host names, not a secret: a plain String by design.
  name        = "/${var.project}/deploy/allowed_hosts"
  description = "Comma-separated host names of the shop (Django ALLOWED_HOSTS)"
  type        = "String"
  value       = join(",", distinct(concat([module.Load.dns_name], var.domain_name == null ? [] : [var.domain_name], var.domain_names)))

  tags = merge(local.tags, { Name = "${var.project}-allowed-hosts" })
}

# Whether the shop is served over HTTPS, and the origins Django trusts for CSRF: the deploy step
# writes them into /app/backend.env (DJANGO_HTTPS turns on Django's redirect, HSTS and Secure
# cookies; app/backend/config/settings/production.py). Not secrets.
resource "aws_ssm_parameter" "backend_settings" {
  #checkov:skip=CKV2_AWS_34:Two non-secret settings (a flag and origins), not a secret: a plain String by design.
  name        = "/${var.project}/deploy/backend_settings"
  description = "Non-secret backend settings the deploy step writes into backend.env (JSON)"
  type        = "String"
  value = jsonencode({
    DJANGO_HTTPS                = var.certificate_arn == null ? "false" : "true"
    DJANGO_CSRF_TRUSTED_ORIGINS = var.domain_name == null ? "" : "https://${var.domain_name}"
  })

  tags = merge(local.tags, { Name = "${var.project}-backend-settings" })
}

# The app's own keys were managed here until actions/app-secrets took them over. Forgotten, not
# destroyed: the parameters and their values stay, and Terraform no longer reads them (a
# forgotten resource is not refreshed, so the plan role can plan this step too).
removed {
  from = aws_ssm_parameter.django_secret_key

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_ssm_parameter.card_fingerprint_key

  lifecycle {
    destroy = false
  }
}

################################################################################
# The redeploy step the workflow runs (SSM Run Command)
################################################################################

resource "aws_ssm_document" "deploy" {
  name            = "${var.project}-deploy"
  document_type   = "Command"
  document_format = "JSON"
  # The images come as parameters (a rollback passes the previous ones; empty: those in SSM).
  # SSM checks each against allowedPattern before the command reaches a server: a digest-pinned
  # reference has no quote, space or shell character, so single quotes hold it safely. The
  # pattern is var.backend_image's validation, so whatever Terraform writes can be redeployed.
  content = jsonencode({
    schemaVersion = "2.2"
    description   = "Pull and start the given images (empty: those named in /${var.project}/deploy/*), then wait for the frontend's health path"
    parameters = {
      backendImage = {
        type           = "String"
        default        = ""
        description    = "The backend image, pinned by digest; empty: the one in /${var.project}/deploy/backend_image"
        allowedPattern = "^$|^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$"
      }
      frontendImage = {
        type           = "String"
        default        = ""
        description    = "The frontend image, pinned by digest; empty: the one in /${var.project}/deploy/frontend_image"
        allowedPattern = "^$|^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$"
      }
    }
    mainSteps = [{
      action = "aws:runShellScript"
      name   = "deploy"
      inputs = {
        timeoutSeconds = "900"
        runCommand     = ["/usr/local/sbin/ecommerce-deploy '{{ backendImage }}' '{{ frontendImage }}'"]
      }
    }]
  })

  tags = merge(local.tags, { Name = "${var.project}-deploy" })
}

module "EC2" {
  source = "./modules/ec2"

  name_prefix              = var.project
  iam_path                 = local.iam_path
  permissions_boundary_arn = local.permissions_boundary_arn
  vpc_id                   = module.VPC.vpc_id
  public_subnet_ids        = module.VPC.public_subnet_ids
  private_subnet_ids       = module.VPC.private_subnet_ids
  app_security_group_id    = module.VPC.app_security_group_id
  admin_ssh_cidrs          = var.admin_ssh_cidrs
  key_name                 = var.key_name
  create_bastions          = var.create_bastions
  bastion_instance_type    = var.bastion_instance_type
  app_instance_type        = var.app_instance_type

  # The original project's user_data: deploy.sh with the compose template inside, rendered by
  # templatefile with rds_endpoint, dockerhub_username and docker_compose. The registry
  # password is not passed (it would sit in user data and state): its parameter's name is.
  app_user_data = templatefile("${path.module}/deploy.sh", {
    rds_endpoint                   = module.RDS.address
    db_secret_arn                  = module.RDS.master_user_secret_arn
    dockerhub_username             = var.dockerhub_username
    dockerhub_password_parameter   = var.dockerhub_password_parameter_name
    aws_region                     = var.region
    backend_image_parameter        = aws_ssm_parameter.backend_image.name
    frontend_image_parameter       = aws_ssm_parameter.frontend_image.name
    django_secret_key_parameter    = local.django_secret_key_parameter
    card_fingerprint_key_parameter = local.card_fingerprint_key_parameter
    health_check_path              = var.health_check_path
    db_port                        = module.RDS.port
    db_name                        = module.RDS.db_name
    db_app_user                    = var.db_app_username
    db_app_password_parameter      = local.db_app_password_parameter
    db_app_connection_limit        = local.db_app_connection_limit
    # A name, not a reference: the parameter is written after the load balancer, which comes
    # after the servers.
    allowed_hosts_parameter = "/${var.project}/deploy/allowed_hosts"
    docker_compose = templatefile(local.compose_file, {
      # Placeholders, not values: the deploy step puts the images and host names it reads from
      # SSM in their place, so a new image never changes the user data (README.md).
      backend_image  = "__BACKEND_IMAGE__"
      frontend_image = "__FRONTEND_IMAGE__"
      allowed_hosts  = "__ALLOWED_HOSTS__"
      rds_endpoint   = module.RDS.address
      db_port        = module.RDS.port
      db_name        = module.RDS.db_name
      db_user        = var.db_app_username # the app's role, never the master (db-setup)
      aws_region     = var.region
    })
  })
  app_parameter_arns = [
    aws_ssm_parameter.backend_image.arn,
    aws_ssm_parameter.frontend_image.arn,
    "${local.parameter_arn_prefix}${local.django_secret_key_parameter}",
    "${local.parameter_arn_prefix}${local.card_fingerprint_key_parameter}",
    "${local.parameter_arn_prefix}${local.db_app_password_parameter}",
    local.dockerhub_password_parameter_arn,
    # Optional keys an owner adds by hand (stripe_secret_key, stripe_publishable_key).
    "${local.parameter_arn_prefix}/${var.project}/app/stripe_*",
    "${local.parameter_arn_prefix}/${var.project}/deploy/allowed_hosts",
    aws_ssm_parameter.backend_settings.arn,
  ]
  app_secret_arns = [module.RDS.master_user_secret_arn]

  # The key of the app's SecureStrings; the app role may decrypt with it through SSM only.
  parameters_kms_key_arn = data.aws_kms_alias.parameters.target_key_arn

  tags       = local.tags
  depends_on = [module.RDS]
}

module "Load" {
  source = "./modules/load"

  name                  = "${var.project}-alb"
  vpc_id                = module.VPC.vpc_id
  public_subnet_ids     = values(module.VPC.public_subnet_ids)
  app_security_group_id = module.VPC.app_security_group_id
  app_instance_ids      = module.EC2.app_instance_ids
  health_check_path     = var.health_check_path
  certificate_arn       = var.certificate_arn
  domain_name           = var.domain_name
  deletion_protection   = var.alb_deletion_protection
  access_logs_bucket    = var.alb_access_logs_bucket

  tags       = local.tags
  depends_on = [module.EC2]
}
