# The region's zones when azs is not given: those every account may use (no opt-in, such as Local
# Zones) and currently available, in name order, so a plan in another region needs no edit.
data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Only the first length(public_subnets) names in sorted order are used (local.azs), so a zone AWS adds later (the next letter) never joins the set; azs pins it explicitly.
  count = var.azs == null ? 1 : 0

  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  azs = var.azs != null ? var.azs : slice(sort(data.aws_availability_zones.available[0].names), 0, length(var.public_subnets))

  # Keys az1, az2, ... identify the per-zone resources, so adding a zone never renumbers the
  # existing ones (and the original project's names ecommerce_*_az1/az2 fall out of the keys).
  zones = { for index, zone in local.azs : "az${index + 1}" => {
    zone            = zone
    public_subnet   = var.public_subnets[index]
    private_subnet  = var.private_subnets[index]
    database_subnet = var.database_subnets[index]
  } }

  # One NAT gateway per zone keeps one zone's loss from cutting the other's egress; the original
  # project's single NAT (cheaper, one zone's fate shared) remains an option.
  nat_keys = var.single_nat_gateway ? ["az1"] : keys(local.zones)
}

################################################################################
# VPC
################################################################################

resource "aws_vpc" "this" {
  #checkov:skip=CKV2_AWS_11:Flow logs (CloudWatch cost) are left to the owner; the security groups admit only the documented paths.
  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(var.tags, { Name = var.name })
}

# The default security group of a new VPC allows all traffic between its members; nothing
# uses it here, so it is emptied rather than left open.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-default-closed" })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-igw" })
}

################################################################################
# Public Subnets
################################################################################

resource "aws_subnet" "public" {
  for_each = local.zones

  vpc_id            = aws_vpc.this.id
  availability_zone = each.value.zone
  cidr_block        = each.value.public_subnet
  # Instances get a public address only when they ask for one (the bastions do).
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name}-public-${each.key}", Tier = "public" })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-public" })
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  for_each = local.zones

  subnet_id      = aws_subnet.public[each.key].id
  route_table_id = aws_route_table.public.id
}

################################################################################
# NAT Gateways
################################################################################

resource "aws_eip" "nat" {
  for_each = toset(local.nat_keys)

  domain = "vpc"

  tags       = merge(var.tags, { Name = "${var.name}-nat-${each.key}" })
  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  for_each = toset(local.nat_keys)

  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.public[each.key].id

  tags       = merge(var.tags, { Name = "${var.name}-nat-${each.key}" })
  depends_on = [aws_internet_gateway.this]
}

################################################################################
# Private Subnets (app servers)
################################################################################

resource "aws_subnet" "private" {
  for_each = local.zones

  vpc_id            = aws_vpc.this.id
  availability_zone = each.value.zone
  cidr_block        = each.value.private_subnet

  tags = merge(var.tags, { Name = "${var.name}-private-${each.key}", Tier = "private" })
}

# One private route table per zone: each zone leaves through its own NAT gateway (or the
# single one).
resource "aws_route_table" "private" {
  for_each = local.zones

  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-private-${each.key}" })
}

resource "aws_route" "private_nat" {
  for_each = local.zones

  route_table_id         = aws_route_table.private[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.single_nat_gateway ? "az1" : each.key].id
}

resource "aws_route_table_association" "private" {
  for_each = local.zones

  subnet_id      = aws_subnet.private[each.key].id
  route_table_id = aws_route_table.private[each.key].id
}

################################################################################
# Database Subnets (no route out of the VPC at all)
################################################################################

resource "aws_subnet" "database" {
  for_each = local.zones

  vpc_id            = aws_vpc.this.id
  availability_zone = each.value.zone
  cidr_block        = each.value.database_subnet

  tags = merge(var.tags, { Name = "${var.name}-database-${each.key}", Tier = "database" })
}

resource "aws_route_table" "database" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-database" })
}

resource "aws_route_table_association" "database" {
  for_each = local.zones

  subnet_id      = aws_subnet.database[each.key].id
  route_table_id = aws_route_table.database.id
}

################################################################################
# Peering with the default VPC (where the monitoring server lives)
################################################################################

data "aws_vpc" "default" {
  count = var.create_default_vpc_peering ? 1 : 0

  default = true
}

# The main route table of the default VPC: its subnets (and the monitoring server in one of
# them) use it unless someone associated another.
data "aws_route_table" "default_main" {
  count = var.create_default_vpc_peering ? 1 : 0

  vpc_id = data.aws_vpc.default[0].id

  filter {
    name   = "association.main"
    values = ["true"]
  }
}

resource "aws_vpc_peering_connection" "default" {
  count = var.create_default_vpc_peering ? 1 : 0

  vpc_id      = aws_vpc.this.id
  peer_vpc_id = data.aws_vpc.default[0].id
  # Same account, same region: the request accepts itself.
  auto_accept = true

  tags = merge(var.tags, { Name = "${var.name}-to-default" })
}

resource "aws_route" "private_to_default" {
  for_each = var.create_default_vpc_peering ? local.zones : {}

  route_table_id            = aws_route_table.private[each.key].id
  destination_cidr_block    = data.aws_vpc.default[0].cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.default[0].id
}

resource "aws_route" "default_to_private" {
  count = var.create_default_vpc_peering ? 1 : 0

  route_table_id            = data.aws_route_table.default_main[0].id
  destination_cidr_block    = aws_vpc.this.cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.default[0].id
}

################################################################################
# App Security Group
################################################################################

# The app servers' group. Its ingress comes from the groups allowed to reach it: 3000 from the
# load balancer (load module), 22 from the bastions (ec2 module), and below, 8000 and 9100
# from the monitoring server. Its egress: the database (rds module), HTTPS and HTTP out.
resource "aws_security_group" "app" {
  #checkov:skip=CKV2_AWS_5:Attached in the ec2 module (the app servers); checkov does not follow it across modules.
  # A prefix, not a name: create_before_destroy needs the new group beside the old one.
  name_prefix = "${var.name}-app-"
  description = "App servers: frontend 3000 from the ALB, metrics from monitoring, SSH from bastions"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-app" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "app_backend_metrics_from_monitoring" {
  # A boolean, not a null test on the group id: the id is unknown until the group exists.
  count = var.allow_monitoring ? 1 : 0

  security_group_id            = aws_security_group.app.id
  description                  = "Backend /metrics (8000) scraped by Prometheus on the monitoring server"
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
  referenced_security_group_id = var.monitoring_security_group_id

  tags = merge(var.tags, { Name = "${var.name}-app-8000-from-monitoring" })
}

resource "aws_vpc_security_group_ingress_rule" "app_node_exporter_from_monitoring" {
  count = var.allow_monitoring ? 1 : 0

  security_group_id            = aws_security_group.app.id
  description                  = "node_exporter (9100) scraped by Prometheus on the monitoring server"
  ip_protocol                  = "tcp"
  from_port                    = 9100
  to_port                      = 9100
  referenced_security_group_id = var.monitoring_security_group_id

  tags = merge(var.tags, { Name = "${var.name}-app-9100-from-monitoring" })
}

resource "aws_vpc_security_group_egress_rule" "app_https" {
  security_group_id = aws_security_group.app.id
  description       = "HTTPS out through the NAT: image registry, SSM, Secrets Manager"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = merge(var.tags, { Name = "${var.name}-app-https-out" })
}

resource "aws_vpc_security_group_egress_rule" "app_http" {
  security_group_id = aws_security_group.app.id
  description       = "HTTP out through the NAT: Ubuntu package mirrors (packages are signed)"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"

  tags = merge(var.tags, { Name = "${var.name}-app-http-out" })
}
