resource "aws_rds_cluster" "small" {
  cluster_identifier = "events"
  engine             = "aurora-postgresql"
}

resource "aws_rds_cluster_instance" "small" {
  count              = 2
  cluster_identifier = aws_rds_cluster.small.id
  instance_class     = "db.r6g.large"
  engine             = "aurora-postgresql"
}

resource "aws_db_instance" "single_az" {
  engine         = "postgres"
  instance_class = "db.r6g.xlarge"
}

resource "google_sql_database_instance" "zonal" {
  name             = "zonal"
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-8-32768"
  }
}

resource "google_sql_database_instance" "one_replica" {
  name             = "regional"
  database_version = "POSTGRES_15"
  settings {
    tier              = "db-custom-8-32768"
    availability_type = "REGIONAL"
  }
}

resource "google_sql_database_instance" "one_replica_r" {
  name                 = "regional-replica"
  database_version     = "POSTGRES_15"
  master_instance_name = google_sql_database_instance.one_replica.name
  settings {
    tier = "db-custom-4-16384"
  }
}

resource "azurerm_postgresql_flexible_server" "same_zone" {
  name    = "pg"
  version = "15"

  high_availability {
    mode = "SameZone"
  }
}
