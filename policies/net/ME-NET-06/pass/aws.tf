data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_subnet" "public" {
  count                   = 2
  vpc_id                  = "vpc-0a1b2c3d"
  cidr_block              = "10.0.${count.index + 1}.0/24"
  availability_zone       = data.aws_availability_zones.available.names[count.index]
  map_public_ip_on_launch = true
}

resource "aws_lb" "api" {
  name               = "marketing-engine-alb"
  load_balancer_type = "application"
  subnets            = aws_subnet.public[*].id
}

resource "aws_subnet" "nlb_a" {
  vpc_id            = "vpc-0a1b2c3d"
  cidr_block        = "10.0.5.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "nlb_b" {
  vpc_id            = "vpc-0a1b2c3d"
  cidr_block        = "10.0.6.0/24"
  availability_zone = "eu-west-1b"
}

resource "aws_lb" "ingest" {
  name               = "ingest"
  load_balancer_type = "network"

  subnet_mapping {
    subnet_id = aws_subnet.nlb_a.id
  }

  subnet_mapping {
    subnet_id = aws_subnet.nlb_b.id
  }
}
