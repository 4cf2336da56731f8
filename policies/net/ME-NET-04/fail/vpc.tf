resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

# An application subnet whose route table has no default route: no outbound access at all.
resource "aws_subnet" "app" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.10.0/24"
}

resource "aws_route_table" "app" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block                = "10.1.0.0/16"
    vpc_peering_connection_id = "pcx-0123456789abcdef0"
  }
}

resource "aws_route_table_association" "app" {
  subnet_id      = aws_subnet.app.id
  route_table_id = aws_route_table.app.id
}
