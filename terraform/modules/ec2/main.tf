locals {
  role_tags = {
    app     = merge(var.tags, { Role = "app" })
    bastion = merge(var.tags, { Role = "bastion" })
  }
}

################################################################################
# AMI (looked up, never hard-coded)
################################################################################

data "aws_ami" "ubuntu" {
  most_recent = true
  owners      = [var.ami_owner]

  filter {
    name   = "name"
    values = [var.ami_name_pattern]
  }

  filter {
    name   = "architecture"
    values = ["x86_64"]
  }

  filter {
    name   = "virtualization-type"
    values = ["hvm"]
  }
}

################################################################################
# IAM: instance profiles
################################################################################

data "aws_iam_policy_document" "ec2_assume" {
  statement {
    sid     = "Ec2AssumesTheRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "app" {
  name                 = "${var.name_prefix}-app"
  path                 = var.iam_path
  permissions_boundary = var.permissions_boundary_arn
  description          = "App servers: read their deploy settings and secrets, accept Run Command"
  assume_role_policy   = data.aws_iam_policy_document.ec2_assume.json

  tags = merge(local.role_tags.app, { Name = "${var.name_prefix}-app" })
}

# Session Manager and Run Command (the redeploy path) need the SSM agent's permissions.
resource "aws_iam_role_policy_attachment" "app_ssm_core" {
  role       = aws_iam_role.app.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_iam_policy_document" "app_secrets" {
  statement {
    sid       = "ReadDeploySettingsAndSecrets"
    actions   = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = var.app_parameter_arns
  }

  statement {
    sid       = "ReadDatabaseMasterSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = var.app_secret_arns
  }

  # The app's SecureStrings are under the project's customer-managed key; decrypting is allowed
  # only through Parameter Store in this region, not by a direct kms:Decrypt call.
  statement {
    sid       = "DecryptAppParametersThroughSsm"
    actions   = ["kms:Decrypt"]
    resources = [var.parameters_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${data.aws_region.current.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "app_secrets" {
  name   = "read-deploy-settings-and-secrets"
  role   = aws_iam_role.app.id
  policy = data.aws_iam_policy_document.app_secrets.json
}

resource "aws_iam_instance_profile" "app" {
  name = "${var.name_prefix}-app"
  path = var.iam_path
  role = aws_iam_role.app.name

  tags = merge(local.role_tags.app, { Name = "${var.name_prefix}-app" })
}

resource "aws_iam_role" "bastion" {
  count = var.create_bastions ? 1 : 0

  name                 = "${var.name_prefix}-bastion"
  path                 = var.iam_path
  permissions_boundary = var.permissions_boundary_arn
  description          = "Bastions: Session Manager only"
  assume_role_policy   = data.aws_iam_policy_document.ec2_assume.json

  tags = merge(local.role_tags.bastion, { Name = "${var.name_prefix}-bastion" })
}

resource "aws_iam_role_policy_attachment" "bastion_ssm_core" {
  count = var.create_bastions ? 1 : 0

  role       = aws_iam_role.bastion[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "bastion" {
  count = var.create_bastions ? 1 : 0

  name = "${var.name_prefix}-bastion"
  path = var.iam_path
  role = aws_iam_role.bastion[0].name

  tags = merge(local.role_tags.bastion, { Name = "${var.name_prefix}-bastion" })
}

################################################################################
# Bastion Security Group
################################################################################

resource "aws_security_group" "bastion" {
  count = var.create_bastions ? 1 : 0

  name_prefix = "${var.name_prefix}-bastion-"
  description = "Bastions: SSH in from the admin CIDRs only, SSH out to the app servers only"
  vpc_id      = var.vpc_id

  tags = merge(local.role_tags.bastion, { Name = "${var.name_prefix}-bastion" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "bastion_ssh_from_admins" {
  for_each = var.create_bastions ? toset(var.admin_ssh_cidrs) : toset([])

  security_group_id = aws_security_group.bastion[0].id
  description       = "SSH from an administrator network (${each.value})"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = each.value

  tags = merge(local.role_tags.bastion, { Name = "${var.name_prefix}-bastion-22-from-admin" })
}

resource "aws_vpc_security_group_egress_rule" "bastion_ssh_to_app" {
  count = var.create_bastions ? 1 : 0

  security_group_id            = aws_security_group.bastion[0].id
  description                  = "SSH on to the app servers"
  ip_protocol                  = "tcp"
  from_port                    = 22
  to_port                      = 22
  referenced_security_group_id = var.app_security_group_id

  tags = merge(local.role_tags.bastion, { Name = "${var.name_prefix}-bastion-22-to-app" })
}

resource "aws_vpc_security_group_egress_rule" "bastion_https" {
  count = var.create_bastions ? 1 : 0

  security_group_id = aws_security_group.bastion[0].id
  description       = "HTTPS out: Session Manager and security updates"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = merge(local.role_tags.bastion, { Name = "${var.name_prefix}-bastion-https-out" })
}

# The app servers' side: SSH only from the bastions.
resource "aws_vpc_security_group_ingress_rule" "app_ssh_from_bastion" {
  #checkov:skip=CKV_AWS_24:False positive: the source is the bastions' security group, not a CIDR (no 0.0.0.0/0 here).
  count = var.create_bastions ? 1 : 0

  security_group_id            = var.app_security_group_id
  description                  = "SSH from the bastions"
  ip_protocol                  = "tcp"
  from_port                    = 22
  to_port                      = 22
  referenced_security_group_id = aws_security_group.bastion[0].id

  tags = merge(local.role_tags.app, { Name = "${var.name_prefix}-app-22-from-bastion" })
}

################################################################################
# Bastions (one per public subnet)
################################################################################

resource "aws_instance" "bastion" {
  #checkov:skip=CKV_AWS_88:A bastion is the SSH entry point: its public IP is the point; its group admits only admin_ssh_cidrs.
  for_each = var.create_bastions ? var.public_subnet_ids : {}

  ami                         = data.aws_ami.ubuntu.id
  instance_type               = var.bastion_instance_type
  subnet_id                   = each.value
  vpc_security_group_ids      = [aws_security_group.bastion[0].id]
  associate_public_ip_address = true
  key_name                    = var.key_name
  iam_instance_profile        = aws_iam_instance_profile.bastion[0].name
  monitoring                  = var.detailed_monitoring
  ebs_optimized               = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = 8
    encrypted             = true
    delete_on_termination = true
  }

  tags        = merge(local.role_tags.bastion, { Name = "${var.name_prefix}_bastion_${each.key}" })
  volume_tags = merge(local.role_tags.bastion, { Name = "${var.name_prefix}_bastion_${each.key}" })

  lifecycle {
    # A newer Ubuntu image must not replace running servers by surprise; replace on purpose.
    ignore_changes = [ami]
  }
}

################################################################################
# App Servers (one per private subnet)
################################################################################

resource "aws_instance" "app" {
  for_each = var.private_subnet_ids

  ami                    = data.aws_ami.ubuntu.id
  instance_type          = var.app_instance_type
  subnet_id              = each.value
  vpc_security_group_ids = [var.app_security_group_id]
  key_name               = var.key_name
  iam_instance_profile   = aws_iam_instance_profile.app.name
  monitoring             = var.detailed_monitoring
  ebs_optimized          = true

  # deploy.sh with the compose file inside, gzipped: cloud-init unpacks it, and it keeps far
  # below the 16 KB user-data limit. A change replaces the server (user data runs only on a
  # first boot); a new image does not change it (see the README: images go through SSM).
  user_data_base64            = base64gzip(var.app_user_data)
  user_data_replace_on_change = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = var.app_root_volume_size
    encrypted             = true
    delete_on_termination = true
  }

  tags        = merge(local.role_tags.app, { Name = "${var.name_prefix}_app_${each.key}" })
  volume_tags = merge(local.role_tags.app, { Name = "${var.name_prefix}_app_${each.key}" })

  lifecycle {
    create_before_destroy = true
    ignore_changes        = [ami]
  }
}
