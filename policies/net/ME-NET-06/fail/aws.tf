resource "aws_subnet" "a" {
  vpc_id            = "vpc-0a1b2c3d"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "a2" {
  vpc_id            = "vpc-0a1b2c3d"
  cidr_block        = "10.0.2.0/24"
  availability_zone = "eu-west-1a"
}

# Two subnets, one zone.
resource "aws_lb" "api" {
  name    = "one-zone"
  subnets = [aws_subnet.a.id, aws_subnet.a2.id]
}
