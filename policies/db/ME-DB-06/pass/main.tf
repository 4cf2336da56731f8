data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_subnet" "db" {
  count             = 2
  vpc_id            = "vpc-0a1b2c3d"
  cidr_block        = "10.0.${20 + count.index}.0/24"
  availability_zone = data.aws_availability_zones.available.names[count.index]
}

resource "aws_db_subnet_group" "db" {
  name       = "marketing-engine-db"
  subnet_ids = aws_subnet.db[*].id
}

resource "aws_rds_cluster" "main" {
  cluster_identifier   = "marketing-engine"
  engine               = "aurora-postgresql"
  db_subnet_group_name = aws_db_subnet_group.db.name
}

resource "aws_rds_cluster_instance" "members" {
  count              = 3
  identifier         = "marketing-engine-${count.index}"
  cluster_identifier = aws_rds_cluster.main.id
  instance_class     = "db.r6g.2xlarge"
  engine             = aws_rds_cluster.main.engine
}

resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.r6g.2xlarge"
  multi_az       = true
}

resource "aws_db_instance" "orders_replica" {
  count               = 2
  identifier          = "orders-replica-${count.index}"
  replicate_source_db = aws_db_instance.orders.identifier
  instance_class      = "db.r6g.xlarge"
}

resource "google_sql_database_instance" "main" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"
  settings {
    tier              = "db-custom-8-32768"
    availability_type = "REGIONAL"
  }
}

resource "google_sql_database_instance" "replica_a" {
  name                 = "marketing-engine-replica-a"
  database_version     = "POSTGRES_15"
  master_instance_name = google_sql_database_instance.main.name
  settings {
    tier = "db-custom-4-16384"
  }
}

resource "google_sql_database_instance" "replica_b" {
  name                 = "marketing-engine-replica-b"
  database_version     = "POSTGRES_15"
  master_instance_name = google_sql_database_instance.main.name
  settings {
    tier = "db-custom-4-16384"
  }
}

resource "azurerm_postgresql_flexible_server" "main" {
  name    = "marketing-engine-pg"
  version = "15"
  zone    = "1"

  high_availability {
    mode                      = "ZoneRedundant"
    standby_availability_zone = "2"
  }
}
