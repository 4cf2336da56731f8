resource "aws_db_parameter_group" "pg15" {
  name   = "pg15-tuned"
  family = "postgres15"
  parameter {
    name  = "max_connections"
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
      name  = "max_connections"
      value = "200"
    }
  }
}

# MySQL flags are not PostgreSQL settings: not judged
resource "google_sql_database_instance" "mysql" {
  name             = "legacy-mysql"
  database_version = "MYSQL_8_0"
  settings {
    tier = "db-n1-standard-1"
    database_flags {
      name  = "max_connections"
      value = "50"
    }
  }
}

resource "azurerm_postgresql_flexible_server_configuration" "max_connections" {
  name      = "max_connections"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "200"
}
