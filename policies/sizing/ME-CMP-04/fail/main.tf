resource "google_sql_database_instance" "small" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"

  settings {
    tier      = "db-custom-4-16384"
    disk_size = 500
  }
}

resource "google_sql_database_instance" "default_disk" {
  name             = "marketing-engine-postgres-2"
  database_version = "POSTGRES_15"

  settings {
    tier = "db-custom-8-32768"
  }
}

resource "aws_db_instance" "primary" {
  identifier        = "marketing-engine"
  engine            = "postgres"
  instance_class    = "db.m5.xlarge"
  allocated_storage = 500
}

resource "aws_rds_cluster" "aurora" {
  cluster_identifier = "marketing-engine-aurora"
  engine             = "aurora-postgresql"
}

resource "aws_rds_cluster_instance" "reader" {
  identifier         = "marketing-engine-aurora-2"
  cluster_identifier = aws_rds_cluster.aurora.id
  engine             = "aurora-postgresql"
  instance_class     = "db.r6g.large"
}
