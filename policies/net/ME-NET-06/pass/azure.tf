resource "azurerm_application_gateway" "main" {
  name                = "marketing-engine-appgw"
  resource_group_name = "rg-marketing"
  location            = "westeurope"
  zones               = ["1", "2"]

  sku {
    name = "WAF_v2"
    tier = "WAF_v2"
  }
}
