# Backups on, but no transaction-log archiving: restores only to a nightly backup.
resource "google_sql_database_instance" "no_pitr" {
  name             = "reporting"
  database_version = "POSTGRES_15"

  settings {
    tier = "db-custom-4-16384"

    backup_configuration {
      enabled    = true
      start_time = "03:00"
    }
  }
}

resource "google_sql_database_instance" "short_logs" {
  name             = "events"
  database_version = "POSTGRES_15"

  settings {
    tier = "db-custom-4-16384"

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
      transaction_log_retention_days = 3
    }
  }
}

resource "aws_db_instance" "scratch" {
  engine                  = "postgres"
  instance_class          = "db.t4g.medium"
  backup_retention_period = 0
}

resource "aws_rds_cluster" "short" {
  engine                  = "aurora-postgresql"
  backup_retention_period = 5
}

# The provider rejects this at plan time (7 to 35 days); the scan says so at commit time.
resource "azurerm_postgresql_flexible_server" "short" {
  name                  = "pg"
  version               = "15"
  backup_retention_days = 5
}

# Binary logging is MySQL's; on PostgreSQL it does not give point-in-time recovery.
resource "google_sql_database_instance" "pg_binlog" {
  name             = "pg-binlog"
  database_version = "POSTGRES_15"

  settings {
    tier = "db-custom-8-32768"

    backup_configuration {
      enabled            = true
      binary_log_enabled = true
    }
  }
}
