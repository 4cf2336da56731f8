resource "aws_rds_cluster" "silent" {
  engine = "aurora-postgresql"
}

resource "aws_db_instance" "upgrade_only" {
  engine                          = "postgres"
  instance_class                  = "db.r6g.xlarge"
  enabled_cloudwatch_logs_exports = ["upgrade"]
}

resource "azurerm_postgresql_flexible_server" "no_diagnostics" {
  name    = "pg-a"
  version = "15"
}

resource "azurerm_postgresql_flexible_server" "metrics_only" {
  name    = "pg-b"
  version = "15"
}

resource "azurerm_monitor_diagnostic_setting" "metrics" {
  name                       = "metrics"
  target_resource_id         = azurerm_postgresql_flexible_server.metrics_only.id
  log_analytics_workspace_id = "/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w"

  metric {
    category = "AllMetrics"
  }
}
