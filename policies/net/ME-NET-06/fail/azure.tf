resource "azurerm_application_gateway" "zonal" {
  name                = "zonal-appgw"
  resource_group_name = "rg"
  location            = "westeurope"
  zones               = ["1"]

  sku {
    name = "Standard_v2"
    tier = "Standard_v2"
  }
}
