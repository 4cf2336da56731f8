resource "google_redis_instance" "defaults" {
  name           = "defaults"
  memory_size_gb = 16
}

resource "azurerm_redis_cache" "volatile" {
  name                = "volatile"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 2
  family              = "C"
  sku_name            = "Standard"
  redis_configuration {
    maxmemory_policy = "volatile-lru"
  }
}
