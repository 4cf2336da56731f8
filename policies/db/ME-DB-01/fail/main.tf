resource "aws_db_instance" "reporting" {
  identifier     = "reporting"
  engine         = "postgres"
  engine_version = "14.10"
  instance_class = "db.r6g.xlarge"
}

resource "aws_rds_cluster" "events" {
  engine         = "aurora-postgresql"
  engine_version = "16.1"
}

resource "google_sql_database_instance" "legacy" {
  name             = "legacy-postgres"
  database_version = "POSTGRES_13"

  settings {
    tier = "db-custom-4-16384"
  }
}

resource "azurerm_postgresql_flexible_server" "old" {
  name                = "old-pg"
  resource_group_name = "rg"
  location            = "westeurope"
  version             = "12"
}
