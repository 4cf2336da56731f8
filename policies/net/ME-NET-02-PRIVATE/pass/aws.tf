resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "database" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.${20 + count.index}.0/24"
  availability_zone = "eu-west-1${count.index == 0 ? "a" : "b"}"
}

resource "aws_route_table" "database" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table_association" "database" {
  count          = 2
  subnet_id      = aws_subnet.database[count.index].id
  route_table_id = aws_route_table.database.id
}

resource "aws_db_subnet_group" "database" {
  name       = "marketing-engine-db"
  subnet_ids = aws_subnet.database[*].id
}

resource "aws_rds_cluster" "main" {
  cluster_identifier   = "marketing-engine"
  engine               = "aurora-postgresql"
  db_subnet_group_name = aws_db_subnet_group.database.name
}

resource "aws_elasticache_subnet_group" "cache" {
  name       = "marketing-engine-cache"
  subnet_ids = aws_subnet.database[*].id
}

resource "aws_elasticache_replication_group" "cache" {
  replication_group_id = "marketing-engine"
  description          = "sessions"
  node_type            = "cache.r6g.xlarge"
  subnet_group_name    = aws_elasticache_subnet_group.cache.name
}
