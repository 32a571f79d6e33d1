################################################################################
# The key of the project's SecureString parameters: only the servers decrypt.
#
# AWS's own aws/ssm key lets every principal of the account decrypt through SSM, so a
# read-only role reads every secret under it. This key's policy grants decryption to the
# server roles alone (through SSM), encryption to the apply role, and administration of the key
# to the account as usual — but never decryption to a pipeline role, whatever IAM says.
################################################################################

locals {
  account_root = "arn:${var.partition}:iam::${var.account_id}:root"

  key_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Without this the key could become unmanageable; it grants no use of the key.
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = local.account_root }
        Action = [
          "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
          "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
          "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
        ]
        Resource = "*"
      },
      {
        Sid       = "ApplyRoleEncryptsThroughSsm"
        Effect    = "Allow"
        Principal = { AWS = local.account_root }
        Action    = ["kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          ArnEquals    = { "aws:PrincipalArn" = local.pipeline_role_arns.apply }
          StringEquals = { "kms:ViaService" = "ssm.${var.region}.amazonaws.com" }
        }
      },
      {
        Sid       = "ServersDecryptThroughSsm"
        Effect    = "Allow"
        Principal = { AWS = local.account_root }
        Action    = "kms:Decrypt"
        Resource  = "*"
        Condition = {
          ArnEquals    = { "aws:PrincipalArn" = local.server_role_arns }
          StringEquals = { "kms:ViaService" = "ssm.${var.region}.amazonaws.com" }
        }
      },
      {
        Sid       = "PipelineNeverDecrypts"
        Effect    = "Deny"
        Principal = { AWS = "*" }
        Action    = ["kms:Decrypt", "kms:ReEncrypt*", "kms:CreateGrant"]
        Resource  = "*"
        Condition = {
          ArnLike = { "aws:PrincipalArn" = local.pipeline_role_pattern }
        }
      },
    ]
  })
}
