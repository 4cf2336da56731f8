# No windows at all: AWS assigns random 30-minute windows.
resource "aws_rds_cluster" "unscheduled" {
  engine = "aurora-postgresql"
}

resource "aws_db_instance" "business_hours" {
  engine             = "postgres"
  instance_class     = "db.r6g.xlarge"
  backup_window      = "03:00-04:00"
  maintenance_window = "mon:10:00-mon:11:00"
}

resource "google_sql_database_instance" "canary" {
  name             = "events"
  database_version = "POSTGRES_15"

  settings {
    tier = "db-custom-4-16384"

    backup_configuration {
      enabled    = true
      start_time = "03:00"
    }

    maintenance_window {
      day          = 7
      hour         = 4
      update_track = "canary"
    }
  }
}

resource "google_sql_database_instance" "late_backup" {
  name             = "reporting"
  database_version = "POSTGRES_15"

  settings {
    tier = "db-custom-4-16384"

    backup_configuration {
      enabled    = true
      start_time = "22:00"
    }
  }
}

resource "azurerm_postgresql_flexible_server" "system_managed" {
  name    = "pg"
  version = "15"
}
