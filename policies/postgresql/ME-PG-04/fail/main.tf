resource "aws_db_parameter_group" "pg15" {
  name   = "pg15-tuned"
  family = "postgres15"
  parameter {
    name  = "max_worker_processes"
    value = "8"
  }
  parameter {
    name  = "max_parallel_workers_per_gather"
    value = "4"
  }
  parameter {
    name  = "max_parallel_workers"
    value = "4"
  }
  parameter {
    name  = "max_parallel_maintenance_workers"
    value = "4"
  }
}

resource "google_sql_database_instance" "postgres" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"
  region           = "europe-west1"

  settings {
    tier = "db-custom-8-32768"

    database_flags {
      name  = "max_worker_processes"
      value = "8"
    }

    database_flags {
      name  = "max_parallel_workers_per_gather"
      value = "4"
    }

    database_flags {
      name  = "max_parallel_workers"
      value = "8"
    }

    database_flags {
      name  = "max_parallel_maintenance_workers"
      value = "2"
    }
  }
}

resource "azurerm_postgresql_flexible_server_configuration" "max_worker_processes" {
  name      = "max_worker_processes"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "8"
}

resource "azurerm_postgresql_flexible_server_configuration" "max_parallel_workers_per_gather" {
  name      = "max_parallel_workers_per_gather"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "0"
}

resource "azurerm_postgresql_flexible_server_configuration" "max_parallel_workers" {
  name      = "max_parallel_workers"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "8"
}

resource "azurerm_postgresql_flexible_server_configuration" "max_parallel_maintenance_workers" {
  name      = "max_parallel_maintenance_workers"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "4"
}
