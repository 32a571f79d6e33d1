################################################################################
# The deploy role's permissions: what terraform/ manages, and the rolling redeploy.
#
# Scoped by name (IAM, S3, RDS, load balancer, SSM: every name starts with the project) and by
# the Project tag for EC2, where names do not exist: creating needs the tag in the request,
# changing or deleting needs it on the resource. Describe/List calls cannot be scoped by AWS.
################################################################################

locals {
  # Creating these carries the Project tag in the request (TagSpecifications).
  ec2_create_actions = [
    "ec2:RunInstances",
    "ec2:CreateVpc",
    "ec2:CreateSubnet",
    "ec2:CreateSecurityGroup",
    "ec2:CreateInternetGateway",
    "ec2:CreateNatGateway",
    "ec2:AllocateAddress",
    "ec2:CreateRouteTable",
    "ec2:CreateVpcPeeringConnection",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
  ]

  # Changing and deleting what carries the Project tag.
  ec2_change_actions = [
    "ec2:TerminateInstances",
    "ec2:StopInstances",
    "ec2:StartInstances",
    "ec2:ModifyInstanceAttribute",
    "ec2:ModifyInstanceMetadataOptions",
    "ec2:MonitorInstances",
    "ec2:UnmonitorInstances",
    "ec2:AssociateIamInstanceProfile",
    "ec2:ReplaceIamInstanceProfileAssociation",
    "ec2:DeleteVpc",
    "ec2:ModifyVpcAttribute",
    "ec2:DeleteSubnet",
    "ec2:ModifySubnetAttribute",
    "ec2:DeleteSecurityGroup",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:ModifySecurityGroupRules",
    "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
    "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:DeleteInternetGateway",
    "ec2:AttachInternetGateway",
    "ec2:DetachInternetGateway",
    "ec2:DeleteNatGateway",
    "ec2:ReleaseAddress",
    "ec2:DisassociateAddress",
    "ec2:DeleteRouteTable",
    "ec2:CreateRoute",
    "ec2:ReplaceRoute",
    "ec2:DeleteRoute",
    "ec2:AssociateRouteTable",
    "ec2:DisassociateRouteTable",
    "ec2:DeleteVpcPeeringConnection",
    "ec2:AcceptVpcPeeringConnection",
    "ec2:ModifyVpcPeeringConnectionOptions",
    "ec2:CreateTags",
    "ec2:DeleteTags",
  ]
}

data "aws_iam_policy_document" "deploy" {
  ##############################################################################
  # State
  ##############################################################################

  statement {
    sid       = "StateBucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }

  statement {
    sid       = "StateAndLock"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/${var.state_key}", "${aws_s3_bucket.state.arn}/${var.state_key}.tflock"]
  }

  ##############################################################################
  # Reading (these APIs take no resource scoping)
  ##############################################################################

  statement {
    sid = "Describe"
    actions = [
      "ec2:DescribeVpcs",
      "ec2:DescribeSubnets",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSecurityGroupRules",
      "ec2:DescribeInternetGateways",
      "ec2:DescribeNatGateways",
      "ec2:DescribeAddresses",
      "ec2:DescribeAddressesAttribute",
      "ec2:DescribeRouteTables",
      "ec2:DescribeVpcPeeringConnections",
      "ec2:DescribeInstances",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeInstanceCreditSpecifications",
      "ec2:DescribeInstanceStatus",
      "ec2:DescribeImages",
      "ec2:DescribeVolumes",
      "ec2:DescribeTags",
      "ec2:DescribeAvailabilityZones",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeKeyPairs",
      "ec2:DescribeAccountAttributes",
      "ec2:DescribePrefixLists",
      "elasticloadbalancing:Describe*",
      "rds:DescribeDBEngineVersions",
      "rds:DescribeOrderableDBInstanceOptions",
      "ssm:DescribeParameters",
      "ssm:ListCommandInvocations",
      "ssm:ListCommands",
      "ssm:GetCommandInvocation",
      "sts:GetCallerIdentity",
    ]
    resources = ["*"]
  }

  ##############################################################################
  # EC2 and VPC (by tag)
  ##############################################################################

  statement {
    sid       = "Ec2AttributeReads"
    actions   = ["ec2:DescribeVpcAttribute", "ec2:DescribeInstanceAttribute"]
    resources = ["${local.arn.ec2}:*"]
  }

  statement {
    sid       = "Ec2CreateTagged"
    actions   = local.ec2_create_actions
    resources = ["${local.arn.ec2}:*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project]
    }
  }

  # RunInstances also touches the image, subnet, groups, interface and key pair, which carry
  # no request tags.
  statement {
    sid     = "Ec2RunInstancesSupportingResources"
    actions = ["ec2:RunInstances"]
    resources = [
      "${local.arn.ssm_image}/*",
      "${local.arn.ec2}:subnet/*",
      "${local.arn.ec2}:security-group/*",
      "${local.arn.ec2}:network-interface/*",
      "${local.arn.ec2}:key-pair/*",
    ]
  }

  statement {
    sid       = "Ec2TagOnCreate"
    actions   = ["ec2:CreateTags"]
    resources = ["${local.arn.ec2}:*"]

    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = [for action in local.ec2_create_actions : trimprefix(action, "ec2:")]
    }
  }

  statement {
    sid       = "Ec2ChangeTagged"
    actions   = local.ec2_change_actions
    resources = ["${local.arn.ec2}:*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }
  }

  # The peering: the default VPC (untagged) is its accepter, and its main route table gets
  # the route back to the shop's VPC.
  statement {
    sid       = "DefaultVpcPeeringAndRoutes"
    actions   = ["ec2:CreateVpcPeeringConnection", "ec2:AcceptVpcPeeringConnection", "ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute"]
    resources = ["${local.arn.ec2}:*"]

    condition {
      test     = "ArnEquals"
      variable = "ec2:Vpc"
      values   = [data.aws_vpc.default.arn]
    }
  }

  # A new VPC's default security group is created untagged by AWS; the vpc module tags and
  # empties it. Tagging any group with the project's tag is the price (see README.md).
  statement {
    sid       = "TagNewDefaultSecurityGroup"
    actions   = ["ec2:CreateTags"]
    resources = ["${local.arn.ec2}:security-group/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project]
    }
  }

  ##############################################################################
  # IAM (the servers' roles and profiles; PassRole only to EC2)
  ##############################################################################

  statement {
    sid = "ProjectRoles"
    actions = [
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:GetInstanceProfile",
      "iam:ListRolePolicies",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
      "iam:UpdateAssumeRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:PutRolePolicy",
      "iam:DeleteRolePolicy",
      "iam:CreateInstanceProfile",
      "iam:DeleteInstanceProfile",
      "iam:AddRoleToInstanceProfile",
      "iam:RemoveRoleFromInstanceProfile",
      "iam:TagInstanceProfile",
      "iam:UntagInstanceProfile",
    ]
    resources = ["${local.arn.iam}:role/${var.project}-*", "${local.arn.iam}:instance-profile/${var.project}-*"]
  }

  # The monitoring module looks GitHub's OIDC provider up (by its ARN) for the fraud scan's
  # upload role's trust policy; it reads that one provider, nothing else of IAM's OIDC.
  statement {
    sid       = "ReadGitHubOidcProvider"
    actions   = ["iam:GetOpenIDConnectProvider"]
    resources = ["${local.arn.iam}:oidc-provider/token.actions.githubusercontent.com"]
  }

  statement {
    sid       = "AttachOnlySessionManagerPolicy"
    actions   = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
    resources = ["${local.arn.iam}:role/${var.project}-*"]

    condition {
      test     = "ArnEquals"
      variable = "iam:PolicyARN"
      values   = ["arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"]
    }
  }

  statement {
    sid       = "PassServerRolesToEc2"
    actions   = ["iam:PassRole"]
    resources = ["${local.arn.iam}:role/${var.project}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ec2.amazonaws.com"]
    }
  }

  statement {
    sid       = "FirstUseServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["${local.arn.iam}:role/aws-service-role/*"]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["elasticloadbalancing.amazonaws.com", "rds.amazonaws.com"]
    }
  }

  ##############################################################################
  # RDS (and the master secret RDS manages)
  ##############################################################################

  statement {
    sid     = "ProjectDatabase"
    actions = ["rds:*"]
    resources = [
      "${local.arn.rds}:db:${var.project}-*",
      "${local.arn.rds}:subgrp:${var.project}-*",
      "${local.arn.rds}:pg:${var.project}-*",
      "${local.arn.rds}:snapshot:${var.project}-*",
    ]
  }

  statement {
    sid       = "RdsManagedMasterSecret"
    actions   = ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:RotateSecret", "secretsmanager:DescribeSecret", "secretsmanager:DeleteSecret"]
    resources = ["${local.arn.secrets}:secret:rds!*"]
  }

  ##############################################################################
  # Load balancer
  ##############################################################################

  statement {
    sid     = "ProjectLoadBalancer"
    actions = ["elasticloadbalancing:*"]
    resources = [
      "${local.arn.elb}:loadbalancer/app/${var.project}-*/*",
      "${local.arn.elb}:targetgroup/${var.project}-*/*",
      "${local.arn.elb}:listener/app/${var.project}-*/*",
      "${local.arn.elb}:listener-rule/app/${var.project}-*/*",
    ]
  }

  ##############################################################################
  # SSM: parameters, the deploy document, the rolling redeploy
  ##############################################################################

  statement {
    sid = "ProjectParameters"
    actions = [
      "ssm:PutParameter",
      "ssm:DeleteParameter",
      "ssm:GetParameter",
      "ssm:GetParameters",
      "ssm:AddTagsToResource",
      "ssm:RemoveTagsFromResource",
      "ssm:ListTagsForResource",
    ]
    resources = [
      "${local.arn.ssm}:parameter/${var.project}/deploy/*",
      "${local.arn.ssm}:parameter/${var.project}/app/*",
      "${local.arn.ssm}:parameter/${var.project}/monitoring/*",
    ]
  }

  statement {
    sid = "ProjectDocuments"
    actions = [
      "ssm:CreateDocument",
      "ssm:UpdateDocument",
      "ssm:UpdateDocumentDefaultVersion",
      "ssm:DeleteDocument",
      "ssm:DescribeDocument",
      "ssm:DescribeDocumentPermission",
      "ssm:GetDocument",
      "ssm:AddTagsToResource",
      "ssm:RemoveTagsFromResource",
      "ssm:ListTagsForResource",
    ]
    resources = ["${local.arn.ssm}:document/${var.project}-*"]
  }

  statement {
    sid       = "RunDeployDocument"
    actions   = ["ssm:SendCommand"]
    resources = ["${local.arn.ssm}:document/${var.project}-deploy"]
  }

  statement {
    sid       = "RunOnProjectServers"
    actions   = ["ssm:SendCommand"]
    resources = ["${local.arn.ec2}:instance/*"]

    condition {
      test     = "StringEquals"
      variable = "ssm:resourceTag/Project"
      values   = [var.project]
    }
  }

  ##############################################################################
  # The monitoring alerts topic
  ##############################################################################

  statement {
    sid = "ProjectAlertsTopic"
    actions = [
      "sns:CreateTopic",
      "sns:DeleteTopic",
      "sns:GetTopicAttributes",
      "sns:SetTopicAttributes",
      "sns:TagResource",
      "sns:UntagResource",
      "sns:ListTagsForResource",
      "sns:Subscribe",
      "sns:Unsubscribe",
      "sns:GetSubscriptionAttributes",
      "sns:SetSubscriptionAttributes",
      "sns:ListSubscriptionsByTopic",
    ]
    resources = ["arn:${local.partition}:sns:${local.region}:${local.account_id}:${var.project}-*"]
  }

  ##############################################################################
  # The monitoring configuration bucket
  ##############################################################################

  statement {
    sid       = "MonitoringConfigBucket"
    actions   = ["s3:*"]
    resources = ["${local.arn.s3}${var.project}-monitoring-config-*", "${local.arn.s3}${var.project}-monitoring-config-*/*"]
  }
}
