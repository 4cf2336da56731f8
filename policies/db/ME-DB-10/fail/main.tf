# The guide's Cloud SQL instance: the right tier, but disk_size left to its 10 GB default.
resource "google_sql_database_instance" "postgres" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"

  settings {
    tier = "db-custom-8-32768"
  }
}

resource "azurerm_postgresql_flexible_server" "main" {
  name                = "marketing-engine-pg"
  resource_group_name = "rg"
  location            = "westeurope"
  version             = "15"
  sku_name            = "GP_Standard_D4ds_v4"
  storage_mb          = 524288
}

resource "aws_db_instance" "primary" {
  identifier        = "marketing-engine"
  engine            = "postgres"
  instance_class    = "db.r6g.xlarge"
  allocated_storage = 512
}
