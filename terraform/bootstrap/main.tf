locals {
  tags         = merge(var.tags, { Project = var.project })
  account_id   = data.aws_caller_identity.current.account_id
  partition    = data.aws_partition.current.partition
  region       = var.region
  state_bucket = coalesce(var.state_bucket_name, "${var.project}-tfstate-${local.account_id}")

  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.existing_oidc_provider_arn

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
# Pipeline roles: one per job, exact OIDC subjects (policies/ holds every document)
################################################################################

module "policies" {
  source = "./policies"

  project             = var.project
  partition           = local.partition
  account_id          = local.account_id
  region              = local.region
  state_bucket        = aws_s3_bucket.state.id
  state_key           = var.state_key
  github_repository   = var.github_repository
  oidc_provider_arn   = local.oidc_provider_arn
  deploy_branch       = var.deploy_branch
  deploy_environment  = var.deploy_environment
  deploy_workflow     = var.deploy_workflow
  pin_deploy_workflow = var.pin_deploy_workflow
  default_vpc_arn     = data.aws_vpc.default.arn
}

resource "aws_iam_role" "pipeline" {
  for_each = module.policies.role_names

  name                 = each.value
  description          = "GitHub Actions ${each.key} job of ${var.github_repository} (terraform/bootstrap/policies)"
  assume_role_policy   = module.policies.trust_policies[each.key]
  max_session_duration = 3600

  tags = merge(local.tags, { Name = each.value, PipelineJob = each.key })

  lifecycle {
    precondition {
      condition     = var.create_oidc_provider || can(regex("^arn:[a-z-]+:iam::${local.account_id}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.existing_oidc_provider_arn))
      error_message = "existing_oidc_provider_arn must be this account's (${local.account_id}) token.actions.githubusercontent.com provider when create_oidc_provider is false."
    }
  }
}

resource "aws_iam_role_policy" "pipeline" {
  for_each = module.policies.role_policies

  name   = "${var.project}-github-${each.key}"
  role   = aws_iam_role.pipeline[each.key].id
  policy = each.value
}

# Refreshing every resource of a plan needs the read side of every service involved; the
# AWS-managed ReadOnlyAccess is that. Its secret-reading parts (SSM decryption, Secrets
# Manager values, command output, logs) are denied explicitly in the plan role's own policy,
# and the parameters' key never lets a pipeline role decrypt.
resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.pipeline["plan"].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

################################################################################
# The workload boundary: every role the pipeline creates must carry it
################################################################################

resource "aws_iam_policy" "workload_boundary" {
  name        = module.policies.boundary_name
  description = "Permissions boundary of every role the ${var.project} pipeline creates: what a server may ever do, no IAM"
  policy      = module.policies.boundary_policy

  tags = merge(local.tags, { Name = module.policies.boundary_name })
}

################################################################################
# The key of the project's SecureString parameters
################################################################################

resource "aws_kms_key" "parameters" {
  description             = "SecureString parameters of ${var.project}: only its server roles decrypt"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = module.policies.parameters_key_policy

  tags = merge(local.tags, { Name = "${var.project}-parameters" })
}

resource "aws_kms_alias" "parameters" {
  name          = module.policies.parameters_key_alias
  target_key_id = aws_kms_key.parameters.key_id
}

# The roles kept their names when they became one resource per job.
moved {
  from = aws_iam_role.deploy
  to   = aws_iam_role.pipeline["apply"]
}

moved {
  from = aws_iam_role.plan[0]
  to   = aws_iam_role.pipeline["plan"]
}

moved {
  from = aws_iam_role_policy_attachment.plan_read_only[0]
  to   = aws_iam_role_policy_attachment.plan_read_only
}
