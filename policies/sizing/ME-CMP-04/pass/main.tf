resource "google_sql_database_instance" "postgres" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"
  region           = "us-central1"

  settings {
    tier      = "db-custom-8-32768"
    disk_size = 500
    disk_type = "PD_SSD"
  }
}

resource "aws_db_instance" "primary" {
  identifier        = "marketing-engine"
  engine            = "postgres"
  engine_version    = "15.4"
  instance_class    = "db.m6i.2xlarge"
  allocated_storage = 500
  storage_type      = "gp3"
}

resource "aws_rds_cluster" "aurora" {
  cluster_identifier = "marketing-engine-aurora"
  engine             = "aurora-postgresql"
  engine_version     = "15.4"
}

resource "aws_rds_cluster_instance" "writer" {
  identifier         = "marketing-engine-aurora-1"
  cluster_identifier = aws_rds_cluster.aurora.id
  engine             = "aurora-postgresql"
  instance_class     = "db.r6g.2xlarge"
}

resource "azurerm_postgresql_flexible_server" "main" {
  name                = "marketing-engine-pg"
  resource_group_name = "rg"
  location            = "westeurope"
  version             = "15"
  sku_name            = "GP_Standard_D8ds_v4"
  storage_mb          = 524288
}
