resource "aws_rds_cluster" "main" {
  cluster_identifier              = "marketing-engine"
  engine                          = "aurora-postgresql"
  enabled_cloudwatch_logs_exports = ["postgresql"]
}

resource "aws_db_instance" "reporting" {
  engine                          = "postgres"
  instance_class                  = "db.r6g.xlarge"
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
}

resource "google_sql_database_instance" "main" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-8-32768"
  }
}

resource "azurerm_postgresql_flexible_server" "main" {
  name    = "marketing-engine-pg"
  version = "15"
}

resource "azurerm_log_analytics_workspace" "main" {
  name = "marketing-engine-logs"
  sku  = "PerGB2018"
}

resource "azurerm_monitor_diagnostic_setting" "pg" {
  name                       = "postgresql-logs"
  target_resource_id         = azurerm_postgresql_flexible_server.main.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id

  enabled_log {
    category = "PostgreSQLLogs"
  }

  metric {
    category = "AllMetrics"
  }
}

# Not PostgreSQL, wherever the engine is written: the policy says nothing about them.
resource "aws_db_instance" "catalog" {
  engine         = "mariadb"
  engine_version = "10.6"
  instance_class = "db.r6g.2xlarge"
}

resource "google_sql_database_instance" "crm" {
  database_version = "MYSQL_8_0"
  settings {
    tier = "db-custom-8-32768"
  }
}
