resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_subnet" "public" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

# The database subnet group reuses the public subnet.
resource "aws_db_subnet_group" "shared" {
  name       = "shared"
  subnet_ids = [aws_subnet.public.id]
}

resource "aws_rds_cluster" "exposed" {
  engine               = "aurora-postgresql"
  db_subnet_group_name = aws_db_subnet_group.shared.name
}

# No subnet group: the instance lands in the default VPC.
resource "aws_db_instance" "default_vpc" {
  engine         = "postgres"
  instance_class = "db.r6g.xlarge"
}
