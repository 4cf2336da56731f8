variable "backup_days" {
  type    = number
  default = 30
}

resource "aws_rds_cluster" "main" {
  engine                  = "aurora-postgresql"
  backup_retention_period = var.backup_days
}

resource "aws_db_instance" "reporting" {
  engine                  = "postgres"
  instance_class          = "db.r6g.xlarge"
  backup_retention_period = 35
}

resource "google_sql_database_instance" "postgres" {
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-8-32768"
    backup_configuration {
      enabled = true
      backup_retention_settings {
        retained_backups = 30
        retention_unit   = "COUNT"
      }
    }
  }
}

resource "azurerm_postgresql_flexible_server" "main" {
  name                  = "pg"
  version               = "15"
  backup_retention_days = 30
}

# A read replica keeps no backups of its own; the policy leaves it alone.
resource "google_sql_database_instance" "postgres_replica" {
  database_version     = "POSTGRES_15"
  master_instance_name = google_sql_database_instance.postgres.name
  settings {
    tier = "db-custom-4-16384"
  }
}
