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
