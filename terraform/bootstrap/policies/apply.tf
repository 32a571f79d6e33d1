################################################################################
# Apply: what terraform/ manages, scoped by the project's names and Project tag where AWS
# allows. EC2 has no names: creating needs the tag in the request, changing or deleting needs
# it on the resource. Describe/List calls cannot be scoped by AWS.
################################################################################

locals {
  # Creating these carries the Project tag in the request (TagSpecifications).
  ec2_create_actions = [
    "ec2:RunInstances", "ec2:CreateVpc", "ec2:CreateSubnet", "ec2:CreateSecurityGroup",
    "ec2:CreateInternetGateway", "ec2:CreateNatGateway", "ec2:AllocateAddress", "ec2:CreateRouteTable",
    "ec2:CreateVpcPeeringConnection", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
    "ec2:CreateLaunchTemplate",
  ]

  # Changing and deleting what carries the Project tag.
  ec2_change_actions = [
    "ec2:TerminateInstances", "ec2:StopInstances", "ec2:StartInstances", "ec2:ModifyInstanceAttribute",
    "ec2:ModifyInstanceMetadataOptions", "ec2:MonitorInstances", "ec2:UnmonitorInstances",
    "ec2:AssociateIamInstanceProfile", "ec2:ReplaceIamInstanceProfileAssociation", "ec2:DeleteVpc",
    "ec2:ModifyVpcAttribute", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute", "ec2:DeleteSecurityGroup",
    "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:ModifySecurityGroupRules",
    "ec2:UpdateSecurityGroupRuleDescriptionsIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
    "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:DeleteInternetGateway",
    "ec2:AttachInternetGateway", "ec2:DetachInternetGateway", "ec2:DeleteNatGateway", "ec2:ReleaseAddress",
    "ec2:DisassociateAddress", "ec2:DeleteRouteTable", "ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute",
    "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:DeleteVpcPeeringConnection",
    "ec2:AcceptVpcPeeringConnection", "ec2:ModifyVpcPeeringConnectionOptions", "ec2:CreateTags", "ec2:DeleteTags",
    "ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate", "ec2:DeleteLaunchTemplate",
    "ec2:DeleteLaunchTemplateVersions",
  ]

  # IAM writes that take the iam:PermissionsBoundary condition key: each is allowed only on a
  # role that carries (or is being given) the workload boundary.
  bounded_role_writes = [
    "iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
  ]

  apply_statements = [
    { Sid = "StateBucket", Effect = "Allow", Action = "s3:ListBucket", Resource = local.arn.state },
    {
      Sid      = "StateAndLock"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
      Resource = ["${local.arn.state}/${var.state_key}", "${local.arn.state}/${var.state_key}.tflock"]
    },
    {
      Sid    = "Describe"
      Effect = "Allow"
      Action = [
        "ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules",
        "ec2:DescribeInternetGateways", "ec2:DescribeNatGateways", "ec2:DescribeAddresses",
        "ec2:DescribeAddressesAttribute", "ec2:DescribeRouteTables", "ec2:DescribeVpcPeeringConnections",
        "ec2:DescribeInstances", "ec2:DescribeInstanceTypes", "ec2:DescribeInstanceCreditSpecifications",
        "ec2:DescribeInstanceStatus", "ec2:DescribeImages", "ec2:DescribeVolumes", "ec2:DescribeTags",
        "ec2:DescribeAvailabilityZones", "ec2:DescribeNetworkInterfaces", "ec2:DescribeKeyPairs",
        "ec2:DescribeAccountAttributes", "ec2:DescribePrefixLists", "ec2:DescribeLaunchTemplates",
        "ec2:DescribeLaunchTemplateVersions", "autoscaling:Describe*", "elasticloadbalancing:Describe*",
        "rds:DescribeDBEngineVersions", "rds:DescribeOrderableDBInstanceOptions", "ssm:DescribeParameters",
        "kms:ListAliases", "acm:DescribeCertificate", "acm:ListCertificates", "sts:GetCallerIdentity",
      ]
      Resource = "*"
    },
    {
      Sid      = "Ec2AttributeReads"
      Effect   = "Allow"
      Action   = ["ec2:DescribeVpcAttribute", "ec2:DescribeInstanceAttribute"]
      Resource = "${local.arn.ec2}:*"
    },
    {
      Sid       = "Ec2CreateTagged"
      Effect    = "Allow"
      Action    = local.ec2_create_actions
      Resource  = "${local.arn.ec2}:*"
      Condition = { StringEquals = { "aws:RequestTag/Project" = var.project } }
    },
    {
      # RunInstances also touches the image, subnet, groups, interface and key pair, which
      # carry no request tags.
      Sid    = "Ec2RunInstancesSupportingResources"
      Effect = "Allow"
      Action = "ec2:RunInstances"
      Resource = [
        "${local.arn.image}/*", "${local.arn.ec2}:subnet/*", "${local.arn.ec2}:security-group/*",
        "${local.arn.ec2}:network-interface/*", "${local.arn.ec2}:key-pair/*",
      ]
    },
    {
      # Creating or updating an Auto Scaling group checks that the caller may launch from its
      # template: only a template with the project's tag, and what it launches only through a
      # template.
      Sid       = "Ec2LaunchFromTheProjectTemplate"
      Effect    = "Allow"
      Action    = "ec2:RunInstances"
      Resource  = local.launch_templates
      Condition = { StringEquals = { "aws:ResourceTag/Project" = var.project } }
    },
    {
      Sid       = "Ec2LaunchThroughATemplate"
      Effect    = "Allow"
      Action    = "ec2:RunInstances"
      Resource  = local.launched_resource_arns
      Condition = { ArnLike = { "ec2:LaunchTemplate" = local.launch_templates } }
    },
    {
      Sid       = "Ec2TagOnCreate"
      Effect    = "Allow"
      Action    = "ec2:CreateTags"
      Resource  = "${local.arn.ec2}:*"
      Condition = { StringEquals = { "ec2:CreateAction" = [for action in local.ec2_create_actions : trimprefix(action, "ec2:")] } }
    },
    {
      Sid       = "Ec2ChangeTagged"
      Effect    = "Allow"
      Action    = local.ec2_change_actions
      Resource  = "${local.arn.ec2}:*"
      Condition = { StringEquals = { "aws:ResourceTag/Project" = var.project } }
    },
    {
      # The peering: the default VPC (untagged) is its accepter, and its main route table gets
      # the route back to the shop's VPC.
      Sid       = "DefaultVpcPeeringAndRoutes"
      Effect    = "Allow"
      Action    = ["ec2:CreateVpcPeeringConnection", "ec2:AcceptVpcPeeringConnection", "ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute"]
      Resource  = "${local.arn.ec2}:*"
      Condition = { ArnEquals = { "ec2:Vpc" = var.default_vpc_arn } }
    },
    {
      # A new VPC's default security group is created untagged by AWS; the vpc module tags and
      # empties it. Tagging any group with the project's tag is the price (README.md).
      Sid       = "TagNewDefaultSecurityGroup"
      Effect    = "Allow"
      Action    = "ec2:CreateTags"
      Resource  = "${local.arn.ec2}:security-group/*"
      Condition = { StringEquals = { "aws:RequestTag/Project" = var.project } }
    },

    # IAM: only under the workload path, only with the boundary, PassRole only of named roles.
    {
      Sid    = "ReadWorkloadRoles"
      Effect = "Allow"
      Action = [
        "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole", "iam:GetInstanceProfile",
      ]
      Resource = [local.workload_roles, local.workload_profiles]
    },
    {
      Sid       = "WriteWorkloadRolesWithTheBoundary"
      Effect    = "Allow"
      Action    = local.bounded_role_writes
      Resource  = local.workload_roles
      Condition = { StringEquals = { "iam:PermissionsBoundary" = local.boundary_arn } }
    },
    {
      Sid      = "AttachOnlySessionManagerPolicyWithTheBoundary"
      Effect   = "Allow"
      Action   = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
      Resource = local.workload_roles
      Condition = {
        ArnEquals    = { "iam:PolicyARN" = "arn:${var.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore" }
        StringEquals = { "iam:PermissionsBoundary" = local.boundary_arn }
      }
    },
    {
      # These take no boundary condition key; the role they act on is capped by its boundary,
      # which no pipeline role can remove.
      Sid    = "ChangeWorkloadRoles"
      Effect = "Allow"
      Action = [
        "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy",
        "iam:TagRole", "iam:UntagRole",
      ]
      Resource = local.workload_roles
    },
    {
      Sid    = "WorkloadInstanceProfiles"
      Effect = "Allow"
      Action = [
        "iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:AddRoleToInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile", "iam:UntagInstanceProfile",
      ]
      Resource = local.workload_profiles
    },
    {
      Sid       = "PassServerRolesToEc2"
      Effect    = "Allow"
      Action    = "iam:PassRole"
      Resource  = local.server_role_arns
      Condition = { StringEquals = { "iam:PassedToService" = "ec2.amazonaws.com" } }
    },
    {
      # The monitoring module looks GitHub's OIDC provider up for the fraud scan's upload role.
      Sid      = "ReadGitHubOidcProvider"
      Effect   = "Allow"
      Action   = "iam:GetOpenIDConnectProvider"
      Resource = "${local.arn.iam}:oidc-provider/${local.github}"
    },
    {
      Sid       = "FirstUseServiceLinkedRoles"
      Effect    = "Allow"
      Action    = "iam:CreateServiceLinkedRole"
      Resource  = "${local.arn.iam}:role/aws-service-role/*"
      Condition = { StringEquals = { "iam:AWSServiceName" = ["elasticloadbalancing.amazonaws.com", "rds.amazonaws.com", "autoscaling.amazonaws.com"] } }
    },
    {
      # Belt and braces over the Allows above: whatever a later edit adds, a role written
      # without the boundary, or a managed policy created, is refused.
      Sid       = "NeverWriteARoleWithoutTheBoundary"
      Effect    = "Deny"
      Action    = concat(local.bounded_role_writes, ["iam:AttachRolePolicy", "iam:DetachRolePolicy"])
      Resource  = "*"
      Condition = { StringNotEquals = { "iam:PermissionsBoundary" = local.boundary_arn } }
    },
    {
      Sid      = "NoManagedPoliciesUsersOrGroups"
      Effect   = "Deny"
      Action   = ["iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:*User*", "iam:*Group*", "iam:*AccessKey*", "iam:*LoginProfile*"]
      Resource = "*"
    },

    # RDS (and the master secret RDS manages)
    {
      Sid    = "ProjectDatabase"
      Effect = "Allow"
      Action = "rds:*"
      Resource = [
        "${local.arn.rds}:db:${var.project}-*", "${local.arn.rds}:subgrp:${var.project}-*",
        "${local.arn.rds}:pg:${var.project}-*", "${local.arn.rds}:snapshot:${var.project}-*",
      ]
    },
    {
      Sid      = "RdsManagedMasterSecret"
      Effect   = "Allow"
      Action   = ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:RotateSecret", "secretsmanager:DescribeSecret", "secretsmanager:DeleteSecret"]
      Resource = "${local.arn.secrets}:secret:rds!*"
    },

    # The app servers' Auto Scaling groups: named <project>-*, created with the Project tag and
    # changed only while they carry it. Their target tracking alarms are made by Auto Scaling's
    # service-linked role, not by this one.
    {
      Sid       = "CreateProjectGroupsTagged"
      Effect    = "Allow"
      Action    = ["autoscaling:CreateAutoScalingGroup", "autoscaling:CreateOrUpdateTags"]
      Resource  = local.project_groups
      Condition = { StringEquals = { "aws:RequestTag/Project" = var.project } }
    },
    {
      Sid    = "ChangeProjectGroups"
      Effect = "Allow"
      Action = [
        "autoscaling:UpdateAutoScalingGroup", "autoscaling:DeleteAutoScalingGroup", "autoscaling:CreateOrUpdateTags",
        "autoscaling:DeleteTags", "autoscaling:PutScalingPolicy", "autoscaling:DeletePolicy",
        "autoscaling:AttachLoadBalancerTargetGroups", "autoscaling:DetachLoadBalancerTargetGroups",
        "autoscaling:AttachTrafficSources", "autoscaling:DetachTrafficSources", "autoscaling:EnableMetricsCollection",
        "autoscaling:DisableMetricsCollection", "autoscaling:SetInstanceProtection",
      ]
      Resource  = local.project_groups
      Condition = { StringEquals = { "autoscaling:ResourceTag/Project" = var.project } }
    },

    # Load balancer
    {
      Sid    = "ProjectLoadBalancer"
      Effect = "Allow"
      Action = "elasticloadbalancing:*"
      Resource = [
        "${local.arn.elb}:loadbalancer/app/${var.project}-*/*", "${local.arn.elb}:targetgroup/${var.project}-*/*",
        "${local.arn.elb}:listener/app/${var.project}-*/*", "${local.arn.elb}:listener-rule/app/${var.project}-*/*",
      ]
    },

    # SSM: parameters (SecureStrings under the project's key)
    {
      Sid    = "ProjectParameters"
      Effect = "Allow"
      Action = [
        "ssm:PutParameter", "ssm:DeleteParameter", "ssm:GetParameter", "ssm:GetParameters",
        "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "ssm:ListTagsForResource",
      ]
      Resource = [
        "${local.arn.ssm}:parameter/${var.project}/deploy/*", "${local.arn.ssm}:parameter/${var.project}/app/*",
        "${local.arn.ssm}:parameter/${var.project}/monitoring/*",
      ]
    },
    {
      # Writing a SecureString encrypts under the project's key; only the servers decrypt (the
      # key policy in terraform/bootstrap).
      Sid       = "EncryptProjectParameters"
      Effect    = "Allow"
      Action    = ["kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      Resource  = "${local.arn.kms}:key/*"
      Condition = { "ForAnyValue:StringEquals" = { "kms:ResourceAliases" = local.parameters_key_alias } }
    },
    {
      # The SSM document of the in-place redeploy (<project>-deploy) is gone from terraform/: the
      # first apply with the Auto Scaling groups reads and deletes it. Nothing creates one now.
      Sid    = "DeleteTheOldDeployDocument"
      Effect = "Allow"
      Action = [
        "ssm:DeleteDocument", "ssm:DescribeDocument", "ssm:DescribeDocumentPermission", "ssm:GetDocument",
        "ssm:ListTagsForResource",
      ]
      Resource = "${local.arn.ssm}:document/${var.project}-deploy"
    },

    # The monitoring alerts topic and configuration bucket
    {
      Sid    = "ProjectAlertsTopic"
      Effect = "Allow"
      Action = [
        "sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:TagResource",
        "sns:UntagResource", "sns:ListTagsForResource", "sns:Subscribe", "sns:Unsubscribe",
        "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:ListSubscriptionsByTopic",
      ]
      Resource = "arn:${var.partition}:sns:${var.region}:${var.account_id}:${var.project}-*"
    },
    {
      Sid      = "MonitoringConfigBucket"
      Effect   = "Allow"
      Action   = "s3:*"
      Resource = ["${local.arn.s3}${var.project}-monitoring-config-*", "${local.arn.s3}${var.project}-monitoring-config-*/*"]
    },
    {
      Sid      = "NoSecretValues"
      Effect   = "Deny"
      Action   = ["kms:Decrypt", "secretsmanager:GetSecretValue", "ssm:GetParametersByPath"]
      Resource = "*"
    },
  ]

  apply = jsonencode({
    Version   = "2012-10-17"
    Statement = concat(local.apply_statements, local.pipeline_guard)
  })
}
