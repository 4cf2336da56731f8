resource "aws_db_parameter_group" "pg15" {
  name   = "pg15-tuned"
  family = "postgres15"
  parameter {
    name  = "shared_buffers"
    value = "1048576"
  }
  parameter {
    name  = "effective_cache_size"
    value = "3145728"
  }
  parameter {
    name  = "maintenance_work_mem"
    value = "2097152"
  }
  parameter {
    name  = "work_mem"
    value = "16384"
  }
  parameter {
    name  = "wal_buffers"
    value = "2048"
  }
}

resource "google_sql_database_instance" "postgres" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"
  region           = "europe-west1"

  settings {
    tier = "db-custom-8-32768"

    database_flags {
      name  = "shared_buffers"
      value = "1048576"
    }

    database_flags {
      name  = "effective_cache_size"
      value = "3145728"
    }

    database_flags {
      name  = "maintenance_work_mem"
      value = "2097152"
    }

    database_flags {
      name  = "work_mem"
      value = "16384"
    }

    database_flags {
      name  = "wal_buffers"
      value = "2048"
    }
  }
}

resource "azurerm_postgresql_flexible_server_configuration" "shared_buffers" {
  name      = "shared_buffers"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "1048576"
}

resource "azurerm_postgresql_flexible_server_configuration" "effective_cache_size" {
  name      = "effective_cache_size"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "3145728"
}

resource "azurerm_postgresql_flexible_server_configuration" "maintenance_work_mem" {
  name      = "maintenance_work_mem"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "2097152"
}

resource "azurerm_postgresql_flexible_server_configuration" "work_mem" {
  name      = "work_mem"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "16384"
}

resource "azurerm_postgresql_flexible_server_configuration" "wal_buffers" {
  name      = "wal_buffers"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "2048"
}
