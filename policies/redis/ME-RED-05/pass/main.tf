resource "azurerm_redis_cache" "cache" {
  name                = "cache"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 2
  family              = "P"
  sku_name            = "Premium"
  redis_configuration {
    aof_backup_enabled              = true
    aof_storage_connection_string_0 = var.aof_storage
  }
}

resource "google_redis_cluster" "aof" {
  name        = "aof"
  shard_count = 3
  persistence_config {
    mode = "AOF"
    aof_config {
      append_fsync = "EVERYSEC"
    }
  }
}
