resource "aws_db_parameter_group" "pg15" {
  name   = "pg15-tuned"
  family = "postgres15"
  parameter {
    name  = "default_statistics_target"
    value = "100"
  }
  parameter {
    name  = "random_page_cost"
    value = "1.1"
  }
  parameter {
    name  = "effective_io_concurrency"
    value = "200"
  }
}

resource "google_sql_database_instance" "postgres" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"
  region           = "europe-west1"

  settings {
    tier = "db-custom-8-32768"

    database_flags {
      name  = "default_statistics_target"
      value = "100"
    }

    database_flags {
      name  = "random_page_cost"
      value = "1.1"
    }

    database_flags {
      name  = "effective_io_concurrency"
      value = "200"
    }
  }
}

resource "azurerm_postgresql_flexible_server_configuration" "default_statistics_target" {
  name      = "default_statistics_target"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "100"
}

resource "azurerm_postgresql_flexible_server_configuration" "random_page_cost" {
  name      = "random_page_cost"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "1.1"
}

resource "azurerm_postgresql_flexible_server_configuration" "effective_io_concurrency" {
  name      = "effective_io_concurrency"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "200"
}
