resource "aws_db_instance" "public" {
  engine              = "postgres"
  instance_class      = "db.r6g.xlarge"
  publicly_accessible = true
}

resource "google_sql_database_instance" "default_public_ip" {
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-8-32768"
  }
}

resource "azurerm_postgresql_flexible_server" "open" {
  name                          = "pg"
  version                       = "15"
  public_network_access_enabled = true
}

# Azure Cache for Redis accepts connections from the internet unless public access is disabled.
resource "azurerm_redis_cache" "cache" {
  name                = "me-cache"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 1
  family              = "C"
  sku_name            = "Standard"
}
