locals {
  tags         = merge(var.tags, { Project = var.project })
  account_id   = data.aws_caller_identity.current.account_id
  partition    = data.aws_partition.current.partition
  region       = var.region
  state_bucket = coalesce(var.state_bucket_name, "${var.project}-tfstate-${local.account_id}")

  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.existing_oidc_provider_arn

  # Exact subjects only: a wildcard sub would let any branch, fork or repository whose token
  # GitHub signs assume the role.
  deploy_subjects = compact([
    var.deploy_branch == null ? "" : "repo:${var.github_repository}:ref:refs/heads/${var.deploy_branch}",
    var.deploy_environment == null ? "" : "repo:${var.github_repository}:environment:${var.deploy_environment}",
  ])
  plan_subjects = ["repo:${var.github_repository}:pull_request"]

  arn = {
    ec2       = "arn:${local.partition}:ec2:${local.region}:${local.account_id}"
    elb       = "arn:${local.partition}:elasticloadbalancing:${local.region}:${local.account_id}"
    rds       = "arn:${local.partition}:rds:${local.region}:${local.account_id}"
    ssm       = "arn:${local.partition}:ssm:${local.region}:${local.account_id}"
    secrets   = "arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}"
    iam       = "arn:${local.partition}:iam::${local.account_id}"
    s3        = "arn:${local.partition}:s3:::"
    state     = "arn:${local.partition}:s3:::${local.state_bucket}"
    ssm_image = "arn:${local.partition}:ec2:${local.region}::image"
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_vpc" "default" {
  default = true
}

################################################################################
# State bucket
################################################################################

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_144:State of one region's stack; versioning guards against bad writes, a replica is left to the owner.
  #checkov:skip=CKV_AWS_18:Access logging needs a second bucket; CloudTrail data events are the better audit for one object.
  #checkov:skip=CKV2_AWS_62:Nothing needs to react to state writes.
  bucket = local.state_bucket

  tags = merge(local.tags, { Name = local.state_bucket })

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket = aws_s3_bucket.state.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "expire-old-state-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.state_noncurrent_version_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

data "aws_iam_policy_document" "state_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]

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

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.state]
}

################################################################################
# GitHub OIDC provider
################################################################################

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]

  tags = merge(local.tags, { Name = "github-actions" })
}

################################################################################
# Deploy role (main branch / named environment)
################################################################################

data "aws_iam_policy_document" "deploy_trust" {
  statement {
    sid     = "GitHubActionsDeploy"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = local.deploy_subjects
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "${var.project}-github-deploy"
  description          = "GitHub Actions deploy of ${var.github_repository}: applies terraform/ and rolls new images out"
  assume_role_policy   = data.aws_iam_policy_document.deploy_trust.json
  max_session_duration = 3600

  tags = merge(local.tags, { Name = "${var.project}-github-deploy" })

  lifecycle {
    precondition {
      condition     = length(local.deploy_subjects) > 0
      error_message = "Set deploy_branch or deploy_environment (or both): the deploy role needs a subject."
    }
    precondition {
      condition     = var.create_oidc_provider || var.existing_oidc_provider_arn != null
      error_message = "existing_oidc_provider_arn is required when create_oidc_provider is false."
    }
  }
}

resource "aws_iam_policy" "deploy" {
  name        = "${var.project}-github-deploy"
  description = "What terraform/ manages, scoped to the ${var.project} names and Project tag where AWS allows"
  policy      = data.aws_iam_policy_document.deploy.json

  tags = merge(local.tags, { Name = "${var.project}-github-deploy" })
}

resource "aws_iam_role_policy_attachment" "deploy" {
  role       = aws_iam_role.deploy.name
  policy_arn = aws_iam_policy.deploy.arn
}

################################################################################
# Plan role (pull requests, read-only)
################################################################################

data "aws_iam_policy_document" "plan_trust" {
  statement {
    sid     = "GitHubActionsPlan"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = local.plan_subjects
    }
  }
}

data "aws_iam_policy_document" "plan" {
  statement {
    sid       = "ReadState"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }

  statement {
    sid       = "ReadStateObject"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.state.arn}/${var.state_key}"]
  }

  # ReadOnlyAccess includes ssm:GetParameter; the registry password is no plan's business.
  statement {
    sid       = "NoRegistryPassword"
    effect    = "Deny"
    actions   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"]
    resources = ["${local.arn.ssm}:parameter/${var.project}/dockerhub/*"]
  }

  # terraform plan takes the lock too (use_lockfile writes <key>.tflock).
  statement {
    sid       = "TakeTheLock"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/${var.state_key}.tflock"]
  }
}

resource "aws_iam_role" "plan" {
  count = var.create_plan_role ? 1 : 0

  name                 = "${var.project}-github-plan"
  description          = "GitHub Actions pull-request plan of ${var.github_repository}: read-only"
  assume_role_policy   = data.aws_iam_policy_document.plan_trust.json
  max_session_duration = 3600

  tags = merge(local.tags, { Name = "${var.project}-github-plan" })
}

# Refreshing every resource of the plan needs the read side of every service involved; the
# AWS-managed ReadOnlyAccess is that, and grants no write. (It does not read SecureString
# values or secret values: those need kms:Decrypt / GetSecretValue, which it lacks.)
resource "aws_iam_role_policy_attachment" "plan_read_only" {
  count = var.create_plan_role ? 1 : 0

  role       = aws_iam_role.plan[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy" "plan_state" {
  count = var.create_plan_role ? 1 : 0

  name   = "terraform-state"
  role   = aws_iam_role.plan[0].id
  policy = data.aws_iam_policy_document.plan.json
}
