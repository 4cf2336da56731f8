# Persistence is off unless redis_configuration turns it on.
resource "azurerm_redis_cache" "no_aof" {
  name                = "no-aof"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 2
  family              = "P"
  sku_name            = "Premium"
}
