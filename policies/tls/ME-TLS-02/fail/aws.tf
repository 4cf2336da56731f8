# No ssl_policy: ELBSecurityPolicy-2016-08, which still accepts TLS 1.0.
resource "aws_lb_listener" "default_policy" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/api/0b1c2d3e"
  port              = 443
  protocol          = "HTTPS"
  certificate_arn   = "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-api"

  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api/0b1c2d3e"
  }
}

resource "aws_lb_listener" "tls11" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/api/0b1c2d3e"
  port              = 8443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS-1-1-2017-01"
  certificate_arn   = "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-api"

  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api/0b1c2d3e"
  }
}
