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

# MySQL's point-in-time recovery is binary logging (point_in_time_recovery_enabled is PostgreSQL's and
# SQL Server's switch).
resource "google_sql_database_instance" "mysql" {
  name             = "marketing-engine-mysql"
  database_version = "MYSQL_8_0"

  settings {
    tier = "db-custom-8-32768"

    backup_configuration {
      enabled                        = true
      binary_log_enabled             = true
      transaction_log_retention_days = 7
    }
  }
}
