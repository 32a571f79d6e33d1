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
  description          = "App servers: read their settings and secrets, Session Manager"
  assume_role_policy   = data.aws_iam_policy_document.ec2_assume.json

  tags = merge(local.role_tags.app, { Name = "${var.name_prefix}-app" })
}

# Session Manager (the way in without SSH) needs the SSM agent's permissions.
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

  # The fraud model the nightly workflow publishes: read, on exactly its key (fetch-fraud-model,
  # ecommerce-fraud-model.timer); nothing here may write it.
  dynamic "statement" {
    for_each = var.fraud_model_object_arn == "" ? [] : [var.fraud_model_object_arn]

    content {
      sid       = "ReadFraudModel"
      actions   = ["s3:GetObject"]
      resources = [statement.value]
    }
  }

  # Training CSVs staff upload for a retraining on GitHub: put (push-fraud-training on the host,
  # never the containers) under one prefix of the monitoring bucket; no read of those or any
  # other key, no list, no delete. The workflow's own role reads them; a lifecycle rule expires them.
  dynamic "statement" {
    for_each = var.fraud_training_uploads_arn == "" ? [] : [var.fraud_training_uploads_arn]

    content {
      sid       = "PutFraudTrainingUploads"
      actions   = ["s3:PutObject"]
      resources = [statement.value]
    }
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
# App Servers: a launch template, one Auto Scaling group per zone
################################################################################

locals {
  # The zones in order (az1, az2, ...) and each one's share of the totals: an even split, the
  # first zones taking one more when a total does not divide (3 over two zones: 2 and 1).
  app_zone_keys = sort(keys(var.private_subnet_ids))
  app_zones     = length(local.app_zone_keys)
  app_capacity = {
    for index, key in local.app_zone_keys : key => {
      min     = floor(var.app_min_size / local.app_zones) + (index < var.app_min_size % local.app_zones ? 1 : 0)
      desired = floor(var.app_desired_capacity / local.app_zones) + (index < var.app_desired_capacity % local.app_zones ? 1 : 0)
      max     = floor(var.app_max_size / local.app_zones) + (index < var.app_max_size % local.app_zones ? 1 : 0)
    }
  }
}

# A release is a new version of this template: the user data carries the image digests, so a new
# image is a new version, rolled out by an instance refresh that replaces every server
# (actions/instance-refresh). Nothing patches a running server.
resource "aws_launch_template" "app" {
  name        = "${var.name_prefix}-app"
  description = "App servers: deploy.sh (the release's image digests inside) on Ubuntu LTS"

  image_id               = data.aws_ami.ubuntu.id
  instance_type          = var.app_instance_type
  key_name               = var.key_name
  vpc_security_group_ids = [var.app_security_group_id]
  ebs_optimized          = true
  # New versions only through Terraform; the console's "launch from template" takes the newest.
  update_default_version = true

  # deploy.sh with the compose file inside, gzipped: cloud-init unpacks it, and it keeps far
  # below the 16 KB user-data limit.
  user_data = base64gzip(var.app_user_data)

  iam_instance_profile {
    arn = aws_iam_instance_profile.app.arn
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  monitoring {
    enabled = var.detailed_monitoring
  }

  block_device_mappings {
    device_name = data.aws_ami.ubuntu.root_device_name

    ebs {
      volume_type           = "gp3"
      volume_size           = var.app_root_volume_size
      encrypted             = true
      delete_on_termination = true
    }
  }

  # The group's tags (below) add each zone's Name to the instances it launches.
  tag_specifications {
    resource_type = "instance"
    tags          = merge(local.role_tags.app, { Name = "${var.name_prefix}_app" })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(local.role_tags.app, { Name = "${var.name_prefix}_app" })
  }

  tags = merge(local.role_tags.app, { Name = "${var.name_prefix}-app" })
}

# One group per zone (README: why), each in the load balancer's target group, replaced by ELB
# health: an instance that stops answering the health path is terminated and launched anew.
resource "aws_autoscaling_group" "app" {
  for_each = var.private_subnet_ids

  name                = "${var.name_prefix}-app-${each.key}"
  vpc_zone_identifier = [each.value]
  min_size            = local.app_capacity[each.key].min
  max_size            = local.app_capacity[each.key].max
  desired_capacity    = local.app_capacity[each.key].desired
  target_group_arns   = [var.target_group_arn]

  health_check_type         = "ELB"
  health_check_grace_period = var.app_health_check_grace_period
  default_instance_warmup   = var.app_instance_warmup
  # Terraform waits until the new group's instances are InService, not until they are healthy:
  # the deploy's rollout step checks the shop through the load balancer.
  wait_for_capacity_timeout = "15m"
  enabled_metrics           = ["GroupDesiredCapacity", "GroupInServiceInstances", "GroupMinSize", "GroupMaxSize", "GroupTotalInstances"]

  launch_template {
    id = aws_launch_template.app.id
    # A number, never $Latest: a new version reaches the servers only through an instance
    # refresh (launch before terminate, rolled back on failure), which moves the group to it.
    version = aws_launch_template.app.latest_version
  }

  instance_maintenance_policy {
    min_healthy_percentage = 100
    max_healthy_percentage = 200
  }

  dynamic "tag" {
    for_each = merge(local.role_tags.app, { Name = "${var.name_prefix}_app_${each.key}" })

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    # The instance refresh moves the group to a new version (and back on a rollback); target
    # tracking moves the desired capacity. Terraform resetting either would undo them.
    ignore_changes = [desired_capacity, launch_template[0].version]
  }
}

# Target tracking: the group adds servers when their average CPU or the requests each one serves
# stay above the target, and removes them (never below min) when both fall.
resource "aws_autoscaling_policy" "cpu" {
  for_each = aws_autoscaling_group.app

  name                   = "${var.name_prefix}-app-cpu"
  autoscaling_group_name = each.value.name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {
    target_value = var.app_cpu_target_percent

    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
  }
}

resource "aws_autoscaling_policy" "requests" {
  for_each = aws_autoscaling_group.app

  name                   = "${var.name_prefix}-app-requests"
  autoscaling_group_name = each.value.name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {
    target_value = var.app_requests_per_target

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = var.request_count_resource_label
    }
  }
}
