resource "azurerm_application_gateway" "main" {
  name                = "marketing-engine-appgw"
  resource_group_name = "rg-marketing"
  location            = "westeurope"

  sku {
    name = "WAF_v2"
    tier = "WAF_v2"
  }

  ssl_policy {
    policy_type = "Predefined"
    policy_name = "AppGwSslPolicy20220101"
  }
}

resource "azurerm_redis_cache" "cache" {
  name                = "marketing-engine-cache"
  location            = "westeurope"
  resource_group_name = "rg-marketing"
  capacity            = 1
  family              = "P"
  sku_name            = "Premium"
  minimum_tls_version = "1.2"
}
