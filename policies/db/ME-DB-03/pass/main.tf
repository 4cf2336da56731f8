resource "google_sql_database_instance" "main" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"

  settings {
    tier = "db-custom-8-32768"

    backup_configuration {
      enabled                        = true
      start_time                     = "03:00"
      point_in_time_recovery_enabled = true
      transaction_log_retention_days = 7
    }
  }
}

resource "aws_rds_cluster" "main" {
  cluster_identifier      = "marketing-engine"
  engine                  = "aurora-postgresql"
  backup_retention_period = 30
}

resource "azurerm_postgresql_flexible_server" "main" {
  name                  = "marketing-engine-pg"
  version               = "15"
  backup_retention_days = 14
}
