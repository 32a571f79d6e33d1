locals {
  # postgres16 for engine_version "16" or "16.4": the parameter group family follows the major.
  parameter_group_family = "postgres${split(".", var.engine_version)[0]}"
}

################################################################################
# Subnet Group
################################################################################

resource "aws_db_subnet_group" "this" {
  name        = var.identifier
  description = "Database subnets of ${var.identifier}"
  subnet_ids  = var.subnet_ids

  tags = merge(var.tags, { Name = var.identifier })
}

################################################################################
# Security Group
################################################################################

resource "aws_security_group" "this" {
  name_prefix = "${var.identifier}-rds-"
  description = "PostgreSQL 5432 from the app servers only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.identifier}-rds" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "postgres_from_app" {
  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from the app servers"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = var.app_security_group_id

  tags = merge(var.tags, { Name = "${var.identifier}-5432-from-app" })
}

# The app servers' side of the same path: their group allows egress only where it is needed.
resource "aws_vpc_security_group_egress_rule" "app_to_postgres" {
  security_group_id            = var.app_security_group_id
  description                  = "App servers to PostgreSQL"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.this.id

  tags = merge(var.tags, { Name = "${var.identifier}-app-to-5432" })
}

################################################################################
# Parameter Group
################################################################################

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.identifier}-"
  family      = local.parameter_group_family
  description = "TLS required, slow statements and connections logged"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.log_min_duration_statement_ms)
  }

  parameter {
    name  = "log_connections"
    value = "1"
  }

  tags = merge(var.tags, { Name = var.identifier })

  lifecycle {
    create_before_destroy = true
  }
}

################################################################################
# DB Instance
################################################################################

resource "aws_db_instance" "this" {
  #checkov:skip=CKV_AWS_353:Performance Insights is a variable (performance_insights_enabled): db.t3.micro, the default class, does not support it.
  #checkov:skip=CKV_AWS_118:Enhanced monitoring (an extra IAM role and cost) is left out; CloudWatch metrics and exported PostgreSQL logs remain.
  identifier     = var.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class

  db_name  = var.db_name
  username = var.username
  # RDS generates the master password and keeps it in Secrets Manager: it never appears in a
  # variable, the plan or the state. The app servers read it with their instance role.
  manage_master_user_password = true

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_id

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false
  multi_az               = var.multi_az

  iam_database_authentication_enabled = true
  auto_minor_version_upgrade          = true
  enabled_cloudwatch_logs_exports     = ["postgresql", "upgrade"]
  performance_insights_enabled        = var.performance_insights_enabled
  performance_insights_kms_key_id     = var.performance_insights_enabled ? var.kms_key_id : null

  backup_retention_period   = var.backup_retention_period
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : "${var.identifier}-final"
  apply_immediately         = var.apply_immediately

  tags = merge(var.tags, { Name = var.identifier })
}
