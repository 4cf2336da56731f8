resource "aws_db_parameter_group" "pg15" {
  name   = "pg15-tuned"
  family = "postgres15"
  parameter {
    name  = "checkpoint_completion_target"
    value = "0.9"
  }
  parameter {
    name  = "min_wal_size"
    value = "80"
  }
  parameter {
    name  = "max_wal_size"
    value = "8192"
  }
}

resource "google_sql_database_instance" "postgres" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"
  region           = "europe-west1"

  settings {
    tier = "db-custom-8-32768"

    database_flags {
      name  = "checkpoint_completion_target"
      value = "0.9"
    }

    database_flags {
      name  = "min_wal_size"
      value = "2048"
    }

    database_flags {
      name  = "max_wal_size"
      value = "1024"
    }
  }
}

resource "azurerm_postgresql_flexible_server_configuration" "checkpoint_completion_target" {
  name      = "checkpoint_completion_target"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "0.7"
}

resource "azurerm_postgresql_flexible_server_configuration" "min_wal_size" {
  name      = "min_wal_size"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "2048"
}

resource "azurerm_postgresql_flexible_server_configuration" "max_wal_size" {
  name      = "max_wal_size"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "8192"
}
