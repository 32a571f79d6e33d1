locals {
  tags = merge(var.tags, { Project = var.project })

  # The monitoring/ and compose/ folders beside terraform/ in the repository.
  monitoring_dir = "${path.module}/../monitoring"
  compose_file   = "${path.module}/../compose/compose.yml"
  # Where the nightly workflow publishes the fraud model (null without monitoring or without the
  # upload role): the app servers read it.
  fraud_model = try(module.monitoring[0].fraud_model_object, null)
  # Where the servers put training CSVs for a retraining on GitHub (null: uploads train locally).
  fraud_training_uploads = try(module.monitoring[0].fraud_training_uploads, null)

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
  # the entrypoint's commands; for as many servers as the groups may hold at once: app_max_size,
  # plus the replacements an instance refresh launches in the largest group before it
  # terminates the servers they replace (docs/deploy.md, "Capacity and cost").
  db_app_connection_limit = (var.app_max_size + ceil(var.app_max_size / length(module.vpc.zone_keys))) * (8 * 4 + 4)

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
  lb_health_url       = "${module.load.url}${var.health_check_path}"

  # The nightly fraud scan's metrics: an upload role for this repository's default branch.
  fraud_scan_github_repository = var.fraud_scan_metrics_repository
  fraud_scan_github_branch     = var.fraud_scan_metrics_branch
  fraud_scan_pin_workflow      = var.fraud_scan_pin_workflow

  # The key of Grafana's password; the monitoring role may decrypt with it through SSM only.
  parameters_kms_key_arn = data.aws_kms_alias.parameters.target_key_arn

  tags = local.tags
}

################################################################################
# vpc → rds → load → ec2: the load balancer's target group exists before the app groups that
# register in it
################################################################################

module "vpc" {
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

module "rds" {
  source = "./modules/rds"

  identifier            = "${var.project}-db"
  vpc_id                = module.vpc.vpc_id
  subnet_ids            = values(module.vpc.database_subnet_ids)
  app_security_group_id = module.vpc.app_security_group_id

  engine_version          = var.db_engine_version
  instance_class          = var.db_instance_class
  db_name                 = var.db_name
  username                = var.db_username
  multi_az                = var.db_multi_az
  backup_retention_period = var.db_backup_retention_period
  deletion_protection     = var.db_deletion_protection
  skip_final_snapshot     = var.db_skip_final_snapshot

  tags       = local.tags
  depends_on = [module.vpc]
}

module "load" {
  source = "./modules/load"

  name                  = "${var.project}-alb"
  vpc_id                = module.vpc.vpc_id
  public_subnet_ids     = values(module.vpc.public_subnet_ids)
  app_security_group_id = module.vpc.app_security_group_id
  health_check_path     = var.health_check_path
  certificate_arn       = var.certificate_arn
  domain_name           = var.domain_name
  deletion_protection   = var.alb_deletion_protection
  access_logs_bucket    = var.alb_access_logs_bucket

  # Beside the database, not after it: both take minutes to create.
  tags       = local.tags
  depends_on = [module.vpc]
}

# The module blocks were named VPC, RDS, EC2 and Load; Terraform's style is snake_case. Moved,
# not re-created.
moved {
  from = module.VPC
  to   = module.vpc
}

moved {
  from = module.RDS
  to   = module.rds
}

moved {
  from = module.EC2
  to   = module.ec2
}

moved {
  from = module.Load
  to   = module.load
}

################################################################################
# What the app servers read at run time (SSM Parameter Store)
################################################################################

# The host names Django answers to: the load balancer's and the owner's domains. Written before
# the app servers boot (module.ec2 reads its name from here).
resource "aws_ssm_parameter" "allowed_hosts" {
  #checkov:skip=CKV2_AWS_34:Host names, not a secret: a plain String by design.
  name        = "/${var.project}/deploy/allowed_hosts"
  description = "Comma-separated host names of the shop (Django ALLOWED_HOSTS)"
  type        = "String"
  value       = join(",", distinct(concat([module.load.dns_name], var.domain_name == null ? [] : [var.domain_name], var.domain_names)))

  tags = merge(local.tags, { Name = "${var.project}-allowed-hosts" })
}

# Whether the shop is served over HTTPS, the origins Django trusts for CSRF, and what a flagged
# charge does: the servers' boot (and their secrets timer, within minutes of a change) writes them
# into /app/backend.env (DJANGO_HTTPS turns on Django's redirect, HSTS and Secure cookies;
# app/backend/config/settings/production.py; FRAUD_SCORING: app/backend/README.md). Not secrets.
resource "aws_ssm_parameter" "backend_settings" {
  #checkov:skip=CKV2_AWS_34:Non-secret settings (two flags and origins), not a secret: a plain String by design.
  name        = "/${var.project}/deploy/backend_settings"
  description = "Non-secret backend settings the servers write into backend.env (JSON)"
  type        = "String"
  value = jsonencode({
    DJANGO_HTTPS                = var.certificate_arn == null ? "false" : "true"
    DJANGO_CSRF_TRUSTED_ORIGINS = var.domain_name == null ? "" : "https://${var.domain_name}"
    FRAUD_SCORING               = var.fraud_scoring
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

# The image references (/<project>/deploy/backend_image, frontend_image) and the SSM document
# that redeployed them in place are gone: a release is a new launch template version with the
# digests in its user data, rolled out by an instance refresh (README.md, "How a release reaches
# the servers"). Removing them from the configuration deletes them at the next apply.

################################################################################
# App servers (Auto Scaling groups behind the load balancer) and bastions
################################################################################

module "ec2" {
  source = "./modules/ec2"

  name_prefix              = var.project
  iam_path                 = local.iam_path
  permissions_boundary_arn = local.permissions_boundary_arn
  vpc_id                   = module.vpc.vpc_id
  public_subnet_ids        = module.vpc.public_subnet_ids
  private_subnet_ids       = module.vpc.private_subnet_ids
  app_security_group_id    = module.vpc.app_security_group_id
  admin_ssh_cidrs          = var.admin_ssh_cidrs
  key_name                 = var.key_name
  create_bastions          = var.create_bastions
  bastion_instance_type    = var.bastion_instance_type
  app_instance_type        = var.app_instance_type

  # Capacity: the groups register in the load balancer's target group and scale on CPU and on
  # requests per server.
  target_group_arn             = module.load.target_group_arn
  request_count_resource_label = module.load.request_count_resource_label
  app_min_size                 = var.app_min_size
  app_desired_capacity         = var.app_desired_capacity
  app_max_size                 = var.app_max_size

  # The original project's user_data: deploy.sh with the compose template inside, rendered by
  # templatefile with rds_endpoint, dockerhub_username and docker_compose, and the release's
  # images by digest: a new image is a new launch template version. The registry password is
  # not passed (it would sit in user data and state): its parameter's name is.
  app_user_data = templatefile("${path.module}/deploy.sh", {
    release_backend_image          = var.backend_image
    release_frontend_image         = var.frontend_image
    rds_endpoint                   = module.rds.address
    db_secret_arn                  = module.rds.master_user_secret_arn
    dockerhub_username             = var.dockerhub_username
    dockerhub_password_parameter   = var.dockerhub_password_parameter_name
    aws_region                     = var.region
    django_secret_key_parameter    = local.django_secret_key_parameter
    card_fingerprint_key_parameter = local.card_fingerprint_key_parameter
    health_check_path              = var.health_check_path
    db_port                        = module.rds.port
    db_name                        = module.rds.db_name
    db_app_user                    = var.db_app_username
    db_app_password_parameter      = local.db_app_password_parameter
    db_app_connection_limit        = local.db_app_connection_limit
    allowed_hosts_parameter        = aws_ssm_parameter.allowed_hosts.name
    # The fraud model's delivery (docs/deploy.md): empty bucket, no fetch timer.
    fraud_model_bucket       = try(local.fraud_model.bucket, "")
    fraud_model_key          = try(local.fraud_model.key, "")
    fetch_fraud_model_script = file("${path.module}/modules/ec2/files/fetch-fraud-model.sh")
    # Uploaded training CSVs for a retraining on GitHub: empty bucket, no push agent.
    fraud_training_bucket      = try(local.fraud_training_uploads.bucket, "")
    fraud_training_prefix      = try(local.fraud_training_uploads.prefix, "")
    push_fraud_training_script = file("${path.module}/modules/ec2/files/push-fraud-training.py")
    docker_compose = templatefile(local.compose_file, {
      # Placeholders, not values: the boot puts the release's images (from deploy.env above)
      # and the host names it reads from SSM in their place.
      backend_image  = "__BACKEND_IMAGE__"
      frontend_image = "__FRONTEND_IMAGE__"
      allowed_hosts  = "__ALLOWED_HOSTS__"
      rds_endpoint   = module.rds.address
      db_port        = module.rds.port
      db_name        = module.rds.db_name
      db_user        = var.db_app_username # the app's role, never the master (db-setup)
      aws_region     = var.region
    })
  })
  app_parameter_arns = [
    "${local.parameter_arn_prefix}${local.django_secret_key_parameter}",
    "${local.parameter_arn_prefix}${local.card_fingerprint_key_parameter}",
    "${local.parameter_arn_prefix}${local.db_app_password_parameter}",
    local.dockerhub_password_parameter_arn,
    # Optional keys an owner adds by hand (stripe_secret_key, stripe_publishable_key,
    # fraud_retrain_github_token, fraud_retrain_github_repository).
    "${local.parameter_arn_prefix}/${var.project}/app/stripe_*",
    "${local.parameter_arn_prefix}/${var.project}/app/fraud_retrain_github_*",
    aws_ssm_parameter.allowed_hosts.arn,
    aws_ssm_parameter.backend_settings.arn,
  ]
  app_secret_arns = [module.rds.master_user_secret_arn]

  # s3:GetObject on exactly the fraud model's key, when the workflow may publish one.
  fraud_model_object_arn = try(local.fraud_model.arn, "")
  # s3:PutObject under the training uploads' prefix only, when the workflow may read them.
  fraud_training_uploads_arn = try(local.fraud_training_uploads.arn, "")

  # The key of the app's SecureStrings; the app role may decrypt with it through SSM only.
  parameters_kms_key_arn = data.aws_kms_alias.parameters.target_key_arn

  tags       = local.tags
  depends_on = [module.rds, module.load]
}
