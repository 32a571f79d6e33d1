locals {
  vpc_id    = coalesce(var.vpc_id, data.aws_vpc.default.id)
  subnet_id = coalesce(var.subnet_id, sort(data.aws_subnets.default.ids)[0])

  # What the server needs from monitoring/: alerting rules, Grafana provisioning and
  # dashboards, the blackbox exporter's modules. Tests, READMEs and the local variants stay in
  # the repository.
  config_files = toset([
    for path in setunion(
      fileset(var.config_dir, "prometheus/rules/*.{yml,yaml}"),
      fileset(var.config_dir, "grafana/provisioning/**/*.{yml,yaml}"),
      fileset(var.config_dir, "grafana/dashboards/*.json"),
      fileset(var.config_dir, "blackbox/*.{yml,yaml}"),
    ) : path if !can(regex("(^|/)tests?/", path))
  ])
  # Templates rendered here (an empty set while monitoring/ does not have one keeps plan
  # working): Prometheus with region and project, Alertmanager with region and the SNS topic.
  prometheus_template   = fileset(var.config_dir, "prometheus/prometheus.ec2.yml.tftpl")
  alertmanager_template = fileset(var.config_dir, "alertmanager/alertmanager.ec2.yml.tftpl")

  content_types = { json = "application/json", yml = "application/yaml", yaml = "application/yaml", tmpl = "text/plain" }

  # The fraud scan's results: the workflow puts fraud_scan.prom at this one key (outside the
  # folders the configuration sync mirrors), the server's timer fetches it.
  fraud_scan_metrics_key    = "fraud-scan/fraud_scan.prom"
  fraud_scan_metrics_upload = var.fraud_scan_github_repository != ""
  # The model the nightly scan scores with, for the app servers (their fetch timer): one key, so
  # S3's own atomic PUT publishes it (a GET returns the whole old object or the whole new one,
  # never a mixture) and the bucket's versioning keeps the previous ones for 30 days.
  fraud_model_key = "fraud-model/transactions/model.json"
  # Training CSVs staff upload for a retraining on GitHub: the app servers put each one at
  # <prefix><upload id>.csv, the fraud-scan workflow's training-upload job reads that one object,
  # and the lifecycle rule below deletes it after fraud_training_upload_days.
  fraud_training_prefix = "fraud-training/uploads/"
  # A retraining reads its file within the hour it is dispatched; 3 days leave room for a run
  # queued over a weekend night or re-run by hand, and no longer: the rows are the shop's
  # payment data, kept in the shop's database anyway.
  fraud_training_upload_days = 3
  # Both upload roles trust the same subject: the default branch's runs, and with
  # fraud_scan_pin_workflow only the fraud-scan workflow's (GitHub's subject template must then
  # be repo, context, job_workflow_ref, as for bootstrap's pin_deploy_workflow).
  fraud_scan_branch_sub = "repo:${var.fraud_scan_github_repository}:ref:refs/heads/${var.fraud_scan_github_branch}"
  fraud_scan_subject    = var.fraud_scan_pin_workflow ? "${local.fraud_scan_branch_sub}:job_workflow_ref:${var.fraud_scan_github_repository}/.github/workflows/fraud-scan.yml@refs/heads/${var.fraud_scan_github_branch}" : local.fraud_scan_branch_sub

  # Grafana's admin password: a SecureString under the project's KMS key that the deploy
  # workflow's actions/app-secrets step creates; this module only names it.
  grafana_admin_password_parameter     = "${var.parameter_prefix}/monitoring/grafana_admin_password"
  grafana_admin_password_parameter_arn = "arn:${data.aws_partition.current.partition}:ssm:${var.region}:${data.aws_caller_identity.current.account_id}:parameter${local.grafana_admin_password_parameter}"
}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

################################################################################
# Placement: the default VPC (peered with the shop's VPC)
################################################################################

data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [local.vpc_id]
  }

  filter {
    name   = "default-for-az"
    values = ["true"]
  }
}

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
}

################################################################################
# Configuration bucket (dashboards are far bigger than the 16 KB of user data)
################################################################################

resource "aws_s3_bucket" "config" {
  #checkov:skip=CKV_AWS_144:Derived configuration re-uploaded by every apply from the repository; a replica adds nothing.
  #checkov:skip=CKV_AWS_18:Only the monitoring server reads it; CloudTrail data events cover audit if wanted.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to changes: the server polls the bucket.
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES256) encrypts it and keeps ETags equal to MD5, which the server's sync compares; the contents are the repository's own configuration.
  bucket_prefix = "${var.name}-config-"
  # Everything in it is derived from the repository: a destroy may empty it.
  force_destroy = true

  tags = merge(var.tags, { Name = "${var.name}-config" })
}

resource "aws_s3_bucket_public_access_block" "config" {
  bucket = aws_s3_bucket.config.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "config" {
  bucket = aws_s3_bucket.config.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "config" {
  bucket = aws_s3_bucket.config.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "config" {
  bucket = aws_s3_bucket.config.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "config" {
  bucket = aws_s3_bucket.config.id

  rule {
    id     = "expire-old-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  # Uploaded training files are payment data, needed for one retraining: gone after a few days,
  # their older versions the day after (S3 applies the shorter of two overlapping expirations).
  rule {
    id     = "expire-fraud-training-uploads"
    status = "Enabled"

    filter {
      prefix = local.fraud_training_prefix
    }

    expiration {
      days = local.fraud_training_upload_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }
}

data "aws_iam_policy_document" "config_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.config.arn, "${aws_s3_bucket.config.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "config" {
  bucket = aws_s3_bucket.config.id
  policy = data.aws_iam_policy_document.config_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.config]
}

resource "aws_s3_object" "config" {
  for_each = local.config_files

  bucket       = aws_s3_bucket.config.id
  key          = each.value
  source       = "${var.config_dir}/${each.value}"
  source_hash  = filemd5("${var.config_dir}/${each.value}")
  content_type = lookup(local.content_types, reverse(split(".", each.value))[0], "text/plain")

  tags = merge(var.tags, { Name = each.value })
}

resource "aws_s3_object" "prometheus_config" {
  for_each = local.prometheus_template

  bucket = aws_s3_bucket.config.id
  key    = "prometheus/prometheus.yml"
  content = templatefile("${var.config_dir}/${each.value}", {
    region  = var.region
    project = var.project
  })
  content_type = "application/yaml"

  tags = merge(var.tags, { Name = "prometheus/prometheus.yml" })
}

resource "aws_s3_object" "alertmanager_config" {
  for_each = local.alertmanager_template

  bucket = aws_s3_bucket.config.id
  key    = "alertmanager/alertmanager.yml"
  content = templatefile("${var.config_dir}/${each.value}", {
    region        = var.region
    sns_topic_arn = aws_sns_topic.alerts.arn
  })
  content_type = "application/yaml"

  tags = merge(var.tags, { Name = "alertmanager/alertmanager.yml" })
}

# The load balancer's health URL for the blackbox probe (prometheus job lb_health).
resource "aws_s3_object" "lb_health_targets" {
  # A boolean, not a null test on the URL: the URL is unknown until the load balancer exists.
  count = var.probe_load_balancer ? 1 : 0

  bucket       = aws_s3_bucket.config.id
  key          = "prometheus/file_sd/lb_health.yml"
  content      = yamlencode([{ targets = [var.lb_health_url], labels = { job = "lb_health" } }])
  content_type = "application/yaml"

  tags = merge(var.tags, { Name = "prometheus/file_sd/lb_health.yml" })
}

################################################################################
# Alerts: Alertmanager publishes to one SNS topic; people subscribe to it
################################################################################

resource "aws_sns_topic" "alerts" {
  name              = "${var.name}-alerts"
  kms_master_key_id = "alias/aws/sns"

  tags = merge(var.tags, { Name = "${var.name}-alerts" })
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alert_emails)

  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}

################################################################################
# Grafana admin password (created by actions/app-secrets, kept only in SSM)
################################################################################

# Managed here until actions/app-secrets took it over. Forgotten, not destroyed: the parameter
# and its value stay, and Terraform no longer reads it.
removed {
  from = aws_ssm_parameter.grafana_admin_password

  lifecycle {
    destroy = false
  }
}

################################################################################
# IAM: discover the app servers, read the configuration and the password
################################################################################

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "Ec2AssumesTheRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "this" {
  # ec2_sd_configs calls these; neither supports resource-level permissions.
  statement {
    sid       = "PrometheusEc2Discovery"
    actions   = ["ec2:DescribeInstances", "ec2:DescribeAvailabilityZones"]
    resources = ["*"]
  }

  statement {
    sid       = "ListConfigBucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.config.arn]
  }

  # Every object of the bucket: the configuration, and the fraud scan's fraud_scan.prom
  # (local.fraud_scan_metrics_key), which the fraud-scan-metrics timer fetches (and the fraud
  # model, local.fraud_model_key, which this server does not use)...
  statement {
    sid       = "ReadConfigObjects"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.config.arn}/*"]
  }

  # ...but not the training files staff upload (payment data): only the workflow's download
  # role reads those.
  statement {
    sid       = "DenyReadFraudTrainingUploads"
    effect    = "Deny"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.config.arn}/${local.fraud_training_prefix}*"]
  }

  statement {
    sid       = "AlertmanagerPublishesAlerts"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]
  }

  statement {
    sid       = "ReadGrafanaAdminPassword"
    actions   = ["ssm:GetParameter"]
    resources = [local.grafana_admin_password_parameter_arn]
  }

  # The Grafana password is a SecureString under the project's customer-managed key; decrypting is allowed
  # only through Parameter Store in this region, not by a direct kms:Decrypt call.
  statement {
    sid       = "DecryptGrafanaPasswordThroughSsm"
    actions   = ["kms:Decrypt"]
    resources = [var.parameters_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${var.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  path                 = var.iam_path
  permissions_boundary = var.permissions_boundary_arn
  description          = "Monitoring server: EC2 discovery, its configuration bucket, Grafana's password"
  assume_role_policy   = data.aws_iam_policy_document.assume.json

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_iam_role_policy" "this" {
  name   = "discovery-and-configuration"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

# Session Manager instead of SSH: no port 22 on this server.
resource "aws_iam_role_policy_attachment" "ssm_core" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "this" {
  name = var.name
  path = var.iam_path
  role = aws_iam_role.this.name

  tags = merge(var.tags, { Name = var.name })
}

################################################################################
# The fraud scan's upload role (GitHub OIDC): s3:PutObject on one key, nothing else
################################################################################

# It lives here, not in terraform/bootstrap with the deploy role: its one permission names this
# module's bucket, whose name AWS completes (bucket_prefix) only when this module is applied,
# so only here can the policy name the exact object instead of a wildcard over buckets; and it
# comes and goes with that bucket and the monitoring it feeds (create_monitoring = false leaves
# no role behind). GitHub's OIDC provider is one per account, created once by bootstrap: it is
# looked up by its fixed ARN (the deploy role may read exactly that provider), never created.
data "aws_iam_openid_connect_provider" "github" {
  count = local.fraud_scan_metrics_upload ? 1 : 0

  arn = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"
}

# Exact subject and audience, as bootstrap's roles: only workflow runs of this repository's
# default branch (the nightly schedule runs there) get a token this role accepts; a fork, a
# pull request or another branch does not.
data "aws_iam_policy_document" "fraud_scan_trust" {
  count = local.fraud_scan_metrics_upload ? 1 : 0

  statement {
    sid     = "GitHubFraudScanDefaultBranch"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [data.aws_iam_openid_connect_provider.github[0].arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [local.fraud_scan_subject]
    }
  }
}

data "aws_iam_policy_document" "fraud_scan_upload" {
  statement {
    sid       = "PutFraudScanMetrics"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.config.arn}/${local.fraud_scan_metrics_key}"]
  }
}

resource "aws_iam_role" "fraud_scan_upload" {
  count = local.fraud_scan_metrics_upload ? 1 : 0

  name                 = "${var.name}-fraud-scan"
  path                 = var.iam_path
  permissions_boundary = var.permissions_boundary_arn
  description          = "GitHub Actions fraud scan of ${var.fraud_scan_github_repository}: puts fraud_scan.prom into the monitoring bucket"
  assume_role_policy   = data.aws_iam_policy_document.fraud_scan_trust[0].json
  max_session_duration = 3600

  tags = merge(var.tags, { Name = "${var.name}-fraud-scan" })
}

resource "aws_iam_role_policy" "fraud_scan_upload" {
  count = local.fraud_scan_metrics_upload ? 1 : 0

  name   = "put-fraud-scan-metrics"
  role   = aws_iam_role.fraud_scan_upload[0].id
  policy = data.aws_iam_policy_document.fraud_scan_upload.json
}

################################################################################
# The training uploads' download role (GitHub OIDC): s3:GetObject under one prefix
################################################################################

# A role of its own, not a read added to the model role: the job that reads staff's uploaded
# payment data is a different job from the one that publishes the model, and each gets only its
# own object(s). Same trust as the two upload roles. GetObject only: no list (the workflow knows
# the one key from its validated input), no write, no delete.
data "aws_iam_policy_document" "fraud_training_download" {
  statement {
    sid       = "GetFraudTrainingUploads"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.config.arn}/${local.fraud_training_prefix}*"]
  }
}

resource "aws_iam_role" "fraud_training_download" {
  count = local.fraud_scan_metrics_upload ? 1 : 0

  name                 = "${var.name}-fraud-training"
  path                 = var.iam_path
  permissions_boundary = var.permissions_boundary_arn
  description          = "GitHub Actions fraud scan of ${var.fraud_scan_github_repository}: reads a training file staff uploaded for a retraining"
  assume_role_policy   = data.aws_iam_policy_document.fraud_scan_trust[0].json
  max_session_duration = 3600

  tags = merge(var.tags, { Name = "${var.name}-fraud-training" })
}

resource "aws_iam_role_policy" "fraud_training_download" {
  count = local.fraud_scan_metrics_upload ? 1 : 0

  name   = "get-fraud-training-uploads"
  role   = aws_iam_role.fraud_training_download[0].id
  policy = data.aws_iam_policy_document.fraud_training_download.json
}

################################################################################
# The fraud model's upload role (GitHub OIDC): s3:PutObject on one key, nothing else
################################################################################

# A role of its own rather than a second key for the metrics role: each workflow job gets the
# one object it publishes, and the model (what every charge is scored with) is never writable
# by the job that only reports figures. Same trust as the metrics role.
data "aws_iam_policy_document" "fraud_model_upload" {
  statement {
    sid       = "PutFraudModel"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.config.arn}/${local.fraud_model_key}"]
  }
}

resource "aws_iam_role" "fraud_model_upload" {
  count = local.fraud_scan_metrics_upload ? 1 : 0

  name                 = "${var.name}-fraud-model"
  path                 = var.iam_path
  permissions_boundary = var.permissions_boundary_arn
  description          = "GitHub Actions fraud scan of ${var.fraud_scan_github_repository}: puts the fraud model into the monitoring bucket for the app servers"
  assume_role_policy   = data.aws_iam_policy_document.fraud_scan_trust[0].json
  max_session_duration = 3600

  tags = merge(var.tags, { Name = "${var.name}-fraud-model" })
}

resource "aws_iam_role_policy" "fraud_model_upload" {
  count = local.fraud_scan_metrics_upload ? 1 : 0

  name   = "put-fraud-model"
  role   = aws_iam_role.fraud_model_upload[0].id
  policy = data.aws_iam_policy_document.fraud_model_upload.json
}

################################################################################
# Security Group
################################################################################

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-"
  description = "Monitoring: Prometheus 9090 and Grafana 3000 from the admin CIDRs only"
  vpc_id      = local.vpc_id

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "prometheus_from_admins" {
  for_each = toset(var.admin_cidrs)

  security_group_id = aws_security_group.this.id
  description       = "Prometheus UI (9090) from an administrator network (${each.value})"
  ip_protocol       = "tcp"
  from_port         = 9090
  to_port           = 9090
  cidr_ipv4         = each.value

  tags = merge(var.tags, { Name = "${var.name}-9090-from-admin" })
}

resource "aws_vpc_security_group_ingress_rule" "grafana_from_admins" {
  for_each = toset(var.admin_cidrs)

  security_group_id = aws_security_group.this.id
  description       = "Grafana (3000) from an administrator network (${each.value})"
  ip_protocol       = "tcp"
  from_port         = 3000
  to_port           = 3000
  cidr_ipv4         = each.value

  tags = merge(var.tags, { Name = "${var.name}-3000-from-admin" })
}

resource "aws_vpc_security_group_egress_rule" "scrape_node_exporter" {
  for_each = toset(var.scrape_cidr_blocks)

  security_group_id = aws_security_group.this.id
  description       = "Scrape node_exporter (9100) on the app servers (${each.value})"
  ip_protocol       = "tcp"
  from_port         = 9100
  to_port           = 9100
  cidr_ipv4         = each.value

  tags = merge(var.tags, { Name = "${var.name}-to-9100" })
}

resource "aws_vpc_security_group_egress_rule" "scrape_backend" {
  for_each = toset(var.scrape_cidr_blocks)

  security_group_id = aws_security_group.this.id
  description       = "Scrape the backend's /metrics (8000) on the app servers (${each.value})"
  ip_protocol       = "tcp"
  from_port         = 8000
  to_port           = 8000
  cidr_ipv4         = each.value

  tags = merge(var.tags, { Name = "${var.name}-to-8000" })
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS out: EC2 API (discovery), S3, SSM, image registry, alert receivers"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = merge(var.tags, { Name = "${var.name}-https-out" })
}

resource "aws_vpc_security_group_egress_rule" "http" {
  security_group_id = aws_security_group.this.id
  description       = "HTTP out: Ubuntu package mirrors (packages are signed)"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"

  tags = merge(var.tags, { Name = "${var.name}-http-out" })
}

################################################################################
# Monitoring server
################################################################################

resource "aws_instance" "this" {
  #checkov:skip=CKV_AWS_88:The public IP is for egress (the default VPC has no NAT) to S3, SSM and Ubuntu's archive; with admin_cidrs empty, the default, no port is open to the internet and admins use Session Manager port forwarding (README.md).
  ami                         = data.aws_ami.ubuntu.id
  instance_type               = var.instance_type
  subnet_id                   = local.subnet_id
  vpc_security_group_ids      = [aws_security_group.this.id]
  associate_public_ip_address = true
  key_name                    = var.key_name
  iam_instance_profile        = aws_iam_instance_profile.this.name
  monitoring                  = true
  ebs_optimized               = true

  user_data_base64 = base64gzip(templatefile("${path.module}/templates/user_data.sh.tftpl", {
    aws_region                   = var.region
    config_bucket                = aws_s3_bucket.config.id
    grafana_admin_password_param = local.grafana_admin_password_parameter
    grafana_image                = var.grafana_image
    prometheus_retention         = var.prometheus_retention
    config_sync_interval_seconds = var.config_sync_interval_seconds
    fraud_scan_metrics_key       = local.fraud_scan_metrics_key
    fetch_textfile_script        = file("${path.module}/files/fetch-textfile.sh")
    fraud_scan_fetch_interval    = var.fraud_scan_fetch_interval_seconds
  }))
  user_data_replace_on_change = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = var.root_volume_size
    encrypted             = true
    delete_on_termination = true
  }

  tags        = merge(var.tags, { Name = var.name, Role = "monitoring" })
  volume_tags = merge(var.tags, { Name = var.name, Role = "monitoring" })

  lifecycle {
    ignore_changes = [ami]
  }

  # The first sync at boot should find the configuration in place.
  depends_on = [aws_s3_object.config, aws_s3_object.prometheus_config, aws_s3_object.alertmanager_config, aws_iam_role_policy.this]
}
