resource "azurerm_application_gateway" "old_policy" {
  name                = "old-appgw"
  resource_group_name = "rg"
  location            = "westeurope"

  sku {
    name = "Standard_v2"
    tier = "Standard_v2"
  }

  ssl_policy {
    policy_type = "Predefined"
    policy_name = "AppGwSslPolicy20150501"
  }
}

resource "azurerm_redis_cache" "tls10" {
  name                = "tls10"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 1
  family              = "C"
  sku_name            = "Standard"
  minimum_tls_version = "1.0"
}
