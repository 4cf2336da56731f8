resource "aws_rds_cluster" "main" {
  cluster_identifier           = "marketing-engine"
  engine                       = "aurora-postgresql"
  backup_retention_period      = 30
  preferred_backup_window      = "03:00-04:00"
  preferred_maintenance_window = "Sun:04:00-Sun:05:00"
}

resource "aws_db_instance" "reporting" {
  identifier         = "reporting"
  engine             = "postgres"
  instance_class     = "db.r6g.xlarge"
  backup_window      = "03:00-04:00"
  maintenance_window = "sun:04:00-sun:05:00"
}

resource "google_sql_database_instance" "main" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"

  settings {
    tier = "db-custom-8-32768"

    backup_configuration {
      enabled    = true
      start_time = "03:00"
    }

    maintenance_window {
      day          = 7
      hour         = 4
      update_track = "stable"
    }
  }
}

resource "azurerm_postgresql_flexible_server" "main" {
  name    = "marketing-engine-pg"
  version = "15"

  maintenance_window {
    day_of_week  = 0
    start_hour   = 4
    start_minute = 0
  }
}
