resource "aws_db_instance" "short" {
  engine                  = "postgres"
  instance_class          = "db.r6g.xlarge"
  backup_retention_period = 7
}

resource "aws_rds_cluster" "defaulted" {
  engine = "aurora-postgresql"
}

resource "google_sql_database_instance" "default_retention" {
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-8-32768"
    backup_configuration {
      enabled = true
    }
  }
}

resource "google_sql_database_instance" "no_backups" {
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-8-32768"
  }
}

resource "azurerm_postgresql_flexible_server" "defaulted" {
  name    = "pg"
  version = "15"
}
