resource "azurerm_postgresql_flexible_server" "public" {
  name    = "pg"
  version = "15"
}

resource "azurerm_redis_cache" "public" {
  name                = "cache"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 1
  family              = "C"
  sku_name            = "Standard"
}
