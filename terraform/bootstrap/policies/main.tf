################################################################################
# Every IAM document of the pipeline, as plain data: no provider, so the tests render them with
# a real `terraform apply` offline and play the attacker against the exact JSON AWS receives.
#
# Three pipeline roles, one per job, each trusted by exact OIDC subjects only:
#   plan     pull requests and the deploy branch: read-only, never a secret value
#   apply    the deploy environment's jobs: what terraform/ manages; IAM only under the
#            workload path, only with the workload boundary, never on a pipeline role
#   rollout  the deploy environment's jobs: refresh the project's Auto Scaling groups to a new
#            launch template version (an instance refresh, its rollback or cancel), launching
#            only from the project's template with the app role, and read the servers' state
# and the boundary every role the pipeline creates must carry.
################################################################################

locals {
  github = "token.actions.githubusercontent.com"

  arn = {
    ec2     = "arn:${var.partition}:ec2:${var.region}:${var.account_id}"
    asg     = "arn:${var.partition}:autoscaling:${var.region}:${var.account_id}"
    elb     = "arn:${var.partition}:elasticloadbalancing:${var.region}:${var.account_id}"
    rds     = "arn:${var.partition}:rds:${var.region}:${var.account_id}"
    ssm     = "arn:${var.partition}:ssm:${var.region}:${var.account_id}"
    secrets = "arn:${var.partition}:secretsmanager:${var.region}:${var.account_id}"
    iam     = "arn:${var.partition}:iam::${var.account_id}"
    kms     = "arn:${var.partition}:kms:${var.region}:${var.account_id}"
    s3      = "arn:${var.partition}:s3:::"
    state   = "arn:${var.partition}:s3:::${var.state_bucket}"
    image   = "arn:${var.partition}:ec2:${var.region}::image"
  }

  # Pipeline roles live at the root path under a fixed prefix; every role the pipeline creates
  # lives under /<project>/. No pattern of one matches the other, which is what keeps the
  # apply role's IAM writes off the pipeline roles.
  pipeline_role_names = {
    plan    = "${var.project}-github-plan"
    apply   = "${var.project}-github-deploy"
    rollout = "${var.project}-github-rollout"
  }
  pipeline_role_arns     = { for job, name in local.pipeline_role_names : job => "${local.arn.iam}:role/${name}" }
  pipeline_role_pattern  = "${local.arn.iam}:role/${var.project}-github-*"
  pipeline_policy_prefix = "${local.arn.iam}:policy/${var.project}-github-"
  workload_path          = "/${var.project}/"
  workload_roles         = "${local.arn.iam}:role${local.workload_path}*"
  workload_profiles      = "${local.arn.iam}:instance-profile${local.workload_path}*"
  boundary_name          = "${var.project}-workload-boundary"
  boundary_arn           = "${local.arn.iam}:policy/${local.boundary_name}"

  # The server roles the apply role may hand to EC2, by name (terraform/modules/ec2 and
  # terraform/modules/monitoring name them so). The rollout role may hand over the app role only:
  # an instance refresh launches app servers from the launch template, whose profile holds it.
  server_role_names = ["${var.project}-app", "${var.project}-bastion", "${var.project}-monitoring"]
  server_role_arns  = [for name in local.server_role_names : "${local.arn.iam}:role${local.workload_path}${name}"]
  app_role_arn      = "${local.arn.iam}:role${local.workload_path}${var.project}-app"

  # The project's Auto Scaling groups (terraform/modules/ec2 names them <project>-app-<zone>) and
  # launch templates, by name where AWS has one.
  project_groups         = "${local.arn.asg}:autoScalingGroup:*:autoScalingGroupName/${var.project}-*"
  launch_templates       = "${local.arn.ec2}:launch-template/*"
  launched_resource_arns = ["${local.arn.ec2}:instance/*", "${local.arn.ec2}:volume/*", "${local.arn.ec2}:network-interface/*"]
  launch_supporting_arns = ["${local.arn.image}/*", "${local.arn.ec2}:subnet/*", "${local.arn.ec2}:security-group/*", "${local.arn.ec2}:key-pair/*"]

  parameters_key_alias = "alias/${var.project}-parameters"

  # OIDC subjects, matched exactly (GitHub's default template, or repo+context+job_workflow_ref
  # when pinned). With the pinned template, a job of another workflow file on the same branch or
  # environment presents another subject. The plan role also serves plan-pr.yml (plans on pull
  # requests) and drift.yml (the scheduled drift check on the deploy branch).
  workflows    = dirname(var.deploy_workflow)
  workflow_ref = "${var.github_repository}/${var.deploy_workflow}@refs/heads/${var.deploy_branch}"
  pin          = var.pin_deploy_workflow ? ":job_workflow_ref:${local.workflow_ref}" : ""
  branch_sub   = "repo:${var.github_repository}:ref:refs/heads/${var.deploy_branch}"
  subjects = {
    plan = concat(
      var.pin_deploy_workflow ? [] : ["repo:${var.github_repository}:pull_request"],
      ["${local.branch_sub}${local.pin}"],
      var.pin_deploy_workflow ? ["${local.branch_sub}:job_workflow_ref:${var.github_repository}/${local.workflows}/drift.yml@refs/heads/${var.deploy_branch}"] : [],
    )
    apply   = ["repo:${var.github_repository}:environment:${var.deploy_environment}${local.pin}"]
    rollout = ["repo:${var.github_repository}:environment:${var.deploy_environment}${local.pin}"]
  }
  # The one subject that needs a wildcard: a pinned pull request's job_workflow_ref names its
  # merge ref, refs/pull/<number>/merge. The pattern fixes everything around the number — this
  # repository, the pull_request context, plan-pr.yml — so another workflow file on a pull
  # request, another repository (a fork's own runs) or a branch never match it.
  subject_patterns = {
    plan    = var.pin_deploy_workflow ? ["repo:${var.github_repository}:pull_request:job_workflow_ref:${var.github_repository}/${local.workflows}/plan-pr.yml@refs/pull/*/merge"] : []
    apply   = []
    rollout = []
  }

  # Every IAM action that writes or changes permissions, as wildcards; denied on the pipeline
  # roles and policies to every pipeline role, and to every workload by the boundary.
  iam_writes = [
    "iam:Add*", "iam:Attach*", "iam:Change*", "iam:Create*", "iam:Deactivate*", "iam:Delete*",
    "iam:Detach*", "iam:Disable*", "iam:Enable*", "iam:PassRole", "iam:Put*", "iam:Remove*", "iam:Reset*",
    "iam:Resync*", "iam:Set*", "iam:Tag*", "iam:Untag*", "iam:Update*", "iam:Upload*",
  ]

  # Statements every pipeline role carries: no IAM write touches a pipeline role, its
  # policies, the boundary or the OIDC provider; no boundary is ever removed.
  pipeline_guard = [
    {
      Sid      = "NeverChangeThePipeline"
      Effect   = "Deny"
      Action   = local.iam_writes
      Resource = [local.pipeline_role_pattern, "${local.pipeline_policy_prefix}*", local.boundary_arn, "${local.arn.iam}:oidc-provider/*"]
    },
    {
      Sid      = "NeverRemoveABoundary"
      Effect   = "Deny"
      Action   = ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"]
      Resource = "*"
    },
  ]
}

################################################################################
# Trust policies
################################################################################

locals {
  trust = {
    for job, subjects in local.subjects : job => jsonencode({
      Version = "2012-10-17"
      Statement = concat(
        [{
          Sid       = "GitHubActions${title(job)}"
          Effect    = "Allow"
          Principal = { Federated = var.oidc_provider_arn }
          Action    = "sts:AssumeRoleWithWebIdentity"
          Condition = {
            StringEquals = {
              "${local.github}:aud" = "sts.amazonaws.com"
              "${local.github}:sub" = subjects
            }
          }
        }],
        # A statement of its own: in one statement the two sub conditions would both have to hold.
        length(local.subject_patterns[job]) == 0 ? [] : [{
          Sid       = "GitHubActions${title(job)}PullRequests"
          Effect    = "Allow"
          Principal = { Federated = var.oidc_provider_arn }
          Action    = "sts:AssumeRoleWithWebIdentity"
          Condition = {
            StringEquals = { "${local.github}:aud" = "sts.amazonaws.com" }
            StringLike   = { "${local.github}:sub" = local.subject_patterns[job] }
          }
        }],
      )
    })
  }
}

################################################################################
# The workload boundary: the most any role the pipeline creates can ever do
################################################################################

locals {
  boundary = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # What AmazonSSMManagedInstanceCore grants (Session Manager and Run Command), scoped to
        # this account's instances and to documents where the action takes a resource.
        Sid    = "SsmAgentOnTheInstance"
        Effect = "Allow"
        Action = [
          "ssm:UpdateInstanceInformation", "ssm:ListInstanceAssociations", "ssm:DescribeAssociation",
          "ssm:GetDeployablePatchSnapshotForInstance", "ssm:PutInventory", "ssm:PutComplianceItems",
          "ssm:PutConfigurePackageResult", "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateAssociationStatus",
        ]
        Resource = ["${local.arn.ec2}:instance/*", "${local.arn.ssm}:document/*", "arn:${var.partition}:ssm:${var.region}::document/*"]
      },
      {
        Sid      = "SsmAgentReadsDocuments"
        Effect   = "Allow"
        Action   = ["ssm:GetDocument", "ssm:DescribeDocument"]
        Resource = ["${local.arn.ssm}:document/*", "arn:${var.partition}:ssm:${var.region}::document/*"]
      },
      {
        # These channels take no resource in IAM.
        Sid    = "SsmAgentChannels"
        Effect = "Allow"
        Action = [
          "ssm:GetManifest", "ssm:ListAssociations", "ssmmessages:CreateControlChannel",
          "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
          "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
          "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
        ]
        Resource = "*"
      },
      {
        Sid      = "ProjectParameters"
        Effect   = "Allow"
        Action   = ["ssm:GetParameter", "ssm:GetParameters"]
        Resource = "${local.arn.ssm}:parameter/${var.project}/*"
      },
      {
        Sid      = "DecryptProjectParametersThroughSsm"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = "${local.arn.kms}:key/*"
        Condition = {
          StringEquals = { "kms:ViaService" = "ssm.${var.region}.amazonaws.com" }
        }
      },
      {
        Sid      = "ProjectBuckets"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetObject", "s3:PutObject"]
        Resource = ["${local.arn.s3}${var.project}-monitoring-config-*", "${local.arn.s3}${var.project}-monitoring-config-*/*"]
      },
      {
        # The RDS-managed master secret the app servers still connect with.
        Sid      = "DatabaseCredentials"
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = "${local.arn.secrets}:secret:rds!*"
      },
      {
        # Prometheus's EC2 service discovery.
        Sid      = "DiscoverServers"
        Effect   = "Allow"
        Action   = ["ec2:DescribeInstances", "ec2:DescribeAvailabilityZones"]
        Resource = "*"
      },
      {
        Sid      = "PublishAlerts"
        Effect   = "Allow"
        Action   = "sns:Publish"
        Resource = "arn:${var.partition}:sns:${var.region}:${var.account_id}:${var.project}-*"
      },
      {
        Sid      = "NoIam"
        Effect   = "Deny"
        Action   = "iam:*"
        Resource = "*"
      },
      {
        Sid      = "NeverAssumeAPipelineRole"
        Effect   = "Deny"
        Action   = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
        Resource = local.pipeline_role_pattern
      },
    ]
  })
}

################################################################################
# Plan: read-only, and no secret value by any route
################################################################################

locals {
  plan = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      { Sid = "ReadState", Effect = "Allow", Action = "s3:ListBucket", Resource = local.arn.state },
      { Sid = "ReadStateObject", Effect = "Allow", Action = "s3:GetObject", Resource = "${local.arn.state}/${var.state_key}" },
      {
        # terraform plan takes the lock too (use_lockfile writes <key>.tflock).
        Sid      = "TakeTheLock"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = "${local.arn.state}/${var.state_key}.tflock"
      },
      {
        # ReadOnlyAccess reads SSM parameters, and the AWS-managed aws/ssm key lets any principal
        # of the account decrypt through SSM: no decryption at all, whatever the key. By-path and
        # history reads return many values in one call (a Deny on names does not cover them).
        Sid    = "NoSecretValues"
        Effect = "Deny"
        Action = [
          "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "secretsmanager:GetSecretValue",
          "secretsmanager:BatchGetSecretValue", "ssm:GetParametersByPath", "ssm:GetParameterHistory",
        ]
        Resource = "*"
      },
      {
        # ReadOnlyAccess writes nothing today; this keeps it so if AWS ever widens it.
        Sid      = "ReadOnlyMeansNoIamWrites"
        Effect   = "Deny"
        Action   = local.iam_writes
        Resource = "*"
      },
      {
        # What else a read can leak: run-command output, instance consoles, database logs.
        Sid    = "NoOutputsOrLogs"
        Effect = "Deny"
        Action = [
          "ssm:GetCommandInvocation", "ssm:ListCommandInvocations", "ec2:GetConsoleOutput",
          "ec2:GetConsoleScreenshot", "ec2:GetPasswordData", "rds:DownloadDBLogFilePortion",
          "rds:DownloadCompleteDBLogFile", "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery",
          "logs:GetQueryResults", "logs:StartLiveTail",
        ]
        Resource = "*"
      },
    ], local.pipeline_guard)
  })
}

################################################################################
# Rollout: an instance refresh of the project's Auto Scaling groups, and reading the servers
################################################################################

locals {
  rollout = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        # actions/rollout-check: the servers' states and status checks after the refresh.
        Sid      = "ReadServers"
        Effect   = "Allow"
        Action   = ["ec2:DescribeInstances", "ec2:DescribeInstanceStatus", "sts:GetCallerIdentity"]
        Resource = "*"
      },
      {
        # actions/instance-refresh reads the groups, their refreshes and the launch template
        # before it starts anything. Describe calls take no resource-level permissions.
        Sid    = "ReadGroupsAndLaunchTemplates"
        Effect = "Allow"
        Action = [
          "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeInstanceRefreshes",
          "autoscaling:DescribeScalingActivities", "ec2:DescribeLaunchTemplates",
          "ec2:DescribeLaunchTemplateVersions",
        ]
        Resource = "*"
      },
      {
        # A release: an instance refresh of the project's groups (by name and by tag), and its
        # rollback or cancel. Capacity and the groups' settings stay Terraform's.
        Sid       = "RefreshProjectGroups"
        Effect    = "Allow"
        Action    = ["autoscaling:StartInstanceRefresh", "autoscaling:CancelInstanceRefresh", "autoscaling:RollbackInstanceRefresh"]
        Resource  = local.project_groups
        Condition = { StringEquals = { "autoscaling:ResourceTag/Project" = var.project } }
      },
      {
        # StartInstanceRefresh with a desired configuration checks that the caller may launch from
        # the template (ec2:RunInstances, ec2:CreateTags for its tag specifications, iam:PassRole
        # of its instance profile's role). Only a template that carries the project's tag…
        Sid       = "LaunchFromTheProjectTemplate"
        Effect    = "Allow"
        Action    = "ec2:RunInstances"
        Resource  = local.launch_templates
        Condition = { StringEquals = { "aws:ResourceTag/Project" = var.project } }
      },
      {
        # …and the resources a launch makes, only through a launch template (the statement above
        # decides which: every resource of a RunInstances call must be allowed).
        Sid       = "LaunchOnlyThroughATemplate"
        Effect    = "Allow"
        Action    = "ec2:RunInstances"
        Resource  = concat(local.launched_resource_arns, local.launch_supporting_arns)
        Condition = { ArnLike = { "ec2:LaunchTemplate" = local.launch_templates } }
      },
      {
        Sid      = "TagWhatTheTemplateLaunches"
        Effect   = "Allow"
        Action   = "ec2:CreateTags"
        Resource = local.launched_resource_arns
        Condition = {
          StringEquals = { "ec2:CreateAction" = "RunInstances", "aws:RequestTag/Project" = var.project }
        }
      },
      {
        Sid       = "PassTheAppRoleToEc2"
        Effect    = "Allow"
        Action    = "iam:PassRole"
        Resource  = local.app_role_arn
        Condition = { StringEquals = { "iam:PassedToService" = "ec2.amazonaws.com" } }
      },
      {
        Sid      = "NoSecretValues"
        Effect   = "Deny"
        Action   = ["kms:Decrypt", "secretsmanager:GetSecretValue", "ssm:GetParametersByPath", "ssm:GetParameter", "ssm:GetParameters"]
        Resource = "*"
      },
    ], local.pipeline_guard)
  })
}
