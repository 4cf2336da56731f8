resource "aws_lb" "api" {
  name    = "marketing-engine-alb"
  subnets = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
}
