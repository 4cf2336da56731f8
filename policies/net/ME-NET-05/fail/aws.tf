resource "aws_lb" "plain" {
  name    = "plain-http"
  subnets = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.plain.arn
  port              = 80

  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api/0b1c2d3e"
  }
}
