resource "aws_db_instance" "private_default" {
  engine         = "postgres"
  instance_class = "db.r6g.xlarge"
}

resource "aws_db_instance" "private_explicit" {
  engine              = "postgres"
  instance_class      = "db.r6g.xlarge"
  publicly_accessible = false
}

resource "google_sql_database_instance" "postgres" {
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-8-32768"
    ip_configuration {
      ipv4_enabled    = false
      private_network = "projects/p/global/networks/vpc"
    }
  }
}

resource "azurerm_postgresql_flexible_server" "vnet" {
  name                = "pg"
  version             = "15"
  delegated_subnet_id = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/db"
}

resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id = "sessions"
  description          = "session cache"
  node_type            = "cache.r6g.xlarge"
  subnet_group_name    = "private-cache"
}

resource "google_redis_instance" "cache" {
  name               = "cache"
  memory_size_gb     = 16
  authorized_network = "projects/p/global/networks/vpc"
}

resource "azurerm_redis_cache" "cache" {
  name                          = "me-cache"
  location                      = "westeurope"
  resource_group_name           = "rg"
  capacity                      = 1
  family                        = "P"
  sku_name                      = "Premium"
  public_network_access_enabled = false
}
