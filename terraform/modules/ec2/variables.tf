################################################################################
# Naming and tags
################################################################################

variable "name_prefix" {
  description = "Prefix of the servers' names (ecommerce gives the original project's ecommerce_app_az1, ecommerce_bastion_az1) and IAM names."
  type        = string
  default     = "ecommerce"
}

variable "tags" {
  description = "Tags merged into every resource's tags (with its Name; servers also get Role = app or bastion)."
  type        = map(string)
  default     = {}
}

################################################################################
# Network
################################################################################

variable "vpc_id" {
  description = "VPC of the servers."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnet IDs by zone key (az1, az2, ...): one bastion in each."
  type        = map(string)
}

variable "private_subnet_ids" {
  description = "Private subnet IDs by zone key (az1, az2, ...): one app Auto Scaling group in each."
  type        = map(string)
}

variable "app_security_group_id" {
  description = "Security group of the app servers (from the vpc module)."
  type        = string
}

variable "admin_ssh_cidrs" {
  description = "Networks allowed to SSH to the bastions. Empty means none (use Session Manager); the whole internet is refused."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.admin_ssh_cidrs : can(cidrnetmask(cidr)) && cidr != "0.0.0.0/0"])
    error_message = "admin_ssh_cidrs must be IPv4 CIDR blocks narrower than 0.0.0.0/0 (e.g. 203.0.113.7/32)."
  }
}

################################################################################
# Instances
################################################################################

variable "ami_owner" {
  description = "Owner of the AMI (099720109477 is Canonical)."
  type        = string
  default     = "099720109477"
}

variable "ami_name_pattern" {
  description = "Name pattern of the AMI; the newest match is used (Ubuntu 24.04 LTS by default)."
  type        = string
  default     = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"
}

variable "key_name" {
  description = "EC2 key pair for SSH through the bastions; null leaves Session Manager as the only way in."
  type        = string
  default     = null
}

variable "create_bastions" {
  description = "Create the two bastions (the original project's ecommerce_bastion_az1/az2) and their security group."
  type        = bool
  default     = true
}

variable "bastion_instance_type" {
  description = "Instance type of the bastions."
  type        = string
  default     = "t3.micro"
}

variable "app_instance_type" {
  description = "Instance type of the app servers (they run the frontend and backend containers)."
  type        = string
  default     = "t3.small"
}

variable "app_root_volume_size" {
  description = "Root volume of the app servers in GiB (images live there)."
  type        = number
  default     = 20
}

variable "detailed_monitoring" {
  description = "One-minute CloudWatch metrics for the servers."
  type        = bool
  default     = true
}

################################################################################
# App Auto Scaling groups
################################################################################

variable "target_group_arn" {
  description = "The load balancer's target group (the load module's target_group_arn): every app group registers its instances there and takes its health from it."
  type        = string
}

variable "request_count_resource_label" {
  description = "<load balancer ARN suffix>/<target group ARN suffix> (the load module's request_count_resource_label): the ALBRequestCountPerTarget metric the request policy tracks."
  type        = string

  validation {
    condition     = can(regex("^app/[^/]+/[0-9a-f]+/targetgroup/[^/]+/[0-9a-f]+$", var.request_count_resource_label))
    error_message = "request_count_resource_label must be app/<lb name>/<id>/targetgroup/<tg name>/<id> (the load module's request_count_resource_label output)."
  }
}

variable "app_min_size" {
  description = "Fewest app servers, all zones together (split evenly, the first zones taking the remainder)."
  type        = number
  default     = 2

  validation {
    condition     = var.app_min_size >= 0 && floor(var.app_min_size) == var.app_min_size
    error_message = "app_min_size must be a whole number of servers, 0 or more, got ${var.app_min_size}: set app_min_size <= app_desired_capacity <= app_max_size."
  }
}

variable "app_desired_capacity" {
  description = "App servers to start with, all zones together; target tracking moves it between app_min_size and app_max_size afterwards."
  type        = number
  default     = 2

  validation {
    condition     = floor(var.app_desired_capacity) == var.app_desired_capacity && var.app_desired_capacity >= var.app_min_size
    error_message = "app_desired_capacity (${var.app_desired_capacity}) must be a whole number no smaller than app_min_size (${var.app_min_size}): set app_min_size <= app_desired_capacity <= app_max_size."
  }
}

variable "app_max_size" {
  description = "Most app servers, all zones together: what target tracking may scale out to (an instance refresh may briefly launch up to twice a group's desired capacity)."
  type        = number
  default     = 6

  validation {
    condition     = floor(var.app_max_size) == var.app_max_size && var.app_max_size >= 1 && var.app_max_size >= var.app_desired_capacity
    error_message = "app_max_size (${var.app_max_size}) must be a whole number, at least 1 and no smaller than app_desired_capacity (${var.app_desired_capacity}): set app_min_size <= app_desired_capacity <= app_max_size."
  }
}

variable "app_health_check_grace_period" {
  description = "Seconds after launch before a failing load balancer health check gets an app server replaced: the boot (packages, image pull, database setup) takes 3 to 6 minutes."
  type        = number
  default     = 600
}

variable "app_instance_warmup" {
  description = "Seconds from a new app server's InService (at launch, before its boot script is done) during which its metrics are left out of target tracking (the boot's package installs would read as load) and an instance refresh does not count it as ready: about the boot's length."
  type        = number
  default     = 300
}

variable "app_cpu_target_percent" {
  description = "Average CPU of a group's servers that target tracking keeps them at."
  type        = number
  default     = 60

  validation {
    condition     = var.app_cpu_target_percent > 0 && var.app_cpu_target_percent < 100
    error_message = "app_cpu_target_percent must be between 0 and 100 (exclusive)."
  }
}

variable "app_requests_per_target" {
  description = "Requests per minute each app server receives through the load balancer that target tracking keeps them at (ALBRequestCountPerTarget)."
  type        = number
  default     = 1000

  validation {
    condition     = var.app_requests_per_target > 0
    error_message = "app_requests_per_target must be above 0."
  }
}

variable "app_user_data" {
  description = "The app servers' boot script (the root renders deploy.sh with templatefile, the release's image digests inside): the launch template's user data."
  type        = string

  validation {
    condition     = length(base64gzip(var.app_user_data)) <= 16384
    error_message = "app_user_data exceeds the 16 KB EC2 user-data limit even gzipped."
  }
}

variable "app_parameter_arns" {
  description = "SSM parameters the app servers may read (settings, app secrets, the registry password)."
  type        = list(string)
}

variable "app_secret_arns" {
  description = "Secrets Manager secrets the app servers may read (the database master secret)."
  type        = list(string)
}

variable "fraud_model_object_arn" {
  description = "ARN of the one S3 object the app servers fetch the fraud model from (the monitoring module's fraud_model_object.arn): s3:GetObject on exactly it. Empty: no model delivery."
  type        = string
  default     = ""

  validation {
    condition     = var.fraud_model_object_arn == "" || can(regex("^arn:[a-z-]+:s3:::[a-z0-9.-]+/[A-Za-z0-9/._-]+$", var.fraud_model_object_arn))
    error_message = "fraud_model_object_arn must be one object's ARN (arn:aws:s3:::bucket/key, no wildcard), or empty."
  }
}

variable "fraud_training_uploads_arn" {
  description = "ARN pattern of the S3 prefix the app servers put uploaded training CSVs under for the fraud-scan workflow (the monitoring module's fraud_training_uploads.arn, arn:aws:s3:::bucket/prefix/*): the servers may put objects there and nowhere else. Empty: uploads train locally only."
  type        = string
  default     = ""

  validation {
    condition     = var.fraud_training_uploads_arn == "" || can(regex("^arn:[a-z-]+:s3:::[a-z0-9.-]+/([A-Za-z0-9._-]+/)+\\*$", var.fraud_training_uploads_arn))
    error_message = "fraud_training_uploads_arn must be one prefix of one bucket ending in /* (arn:aws:s3:::bucket/prefix/*), or empty."
  }
}

variable "parameters_kms_key_arn" {
  description = "ARN of the customer-managed KMS key the app's SecureStrings are encrypted under (terraform/bootstrap's alias/<project>-parameters): the role may decrypt with it through SSM only."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.parameters_kms_key_arn))
    error_message = "parameters_kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "iam_path" {
  description = "IAM path of the servers' roles and instance profiles: the only path the pipeline's apply role may write roles under (terraform/bootstrap/policies)."
  type        = string
  default     = "/ecommerce/"

  validation {
    condition     = can(regex("^/([A-Za-z0-9+=,.@_-]+/)+$", var.iam_path))
    error_message = "iam_path must start and end with / (e.g. /ecommerce/)."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of the permissions boundary every role here carries (terraform/bootstrap's workload_boundary_arn); the apply role refuses to write a role without it."
  type        = string
}
