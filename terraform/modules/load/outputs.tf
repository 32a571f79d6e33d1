################################################################################
# Load Balancer
################################################################################

output "dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Hosted zone of the load balancer (for a Route 53 alias record)."
  value       = aws_lb.this.zone_id
}

output "arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "url" {
  description = "The shop's URL: https://<domain_name> when a certificate is set (the certificate names it, not the load balancer's DNS name), else http://<dns_name>."
  value       = local.https ? "https://${var.domain_name}" : "http://${aws_lb.this.dns_name}"
}

output "tls_enabled" {
  description = "Whether the HTTPS listener exists (certificate_arn set); false: plain HTTP on 80."
  value       = local.https
}

output "security_group_id" {
  description = "ID of the load balancer's security group."
  value       = aws_security_group.this.id
}

################################################################################
# Target Group
################################################################################

output "target_group_arn" {
  description = "ARN of the app servers' target group: the app Auto Scaling groups register their instances there."
  value       = aws_lb_target_group.this.arn
}

output "request_count_resource_label" {
  description = "<load balancer ARN suffix>/<target group ARN suffix>: the resource label of the ALBRequestCountPerTarget metric the app groups scale on."
  value       = "${aws_lb.this.arn_suffix}/${aws_lb_target_group.this.arn_suffix}"
}
