resource "azurerm_virtual_network" "main" {
  name                = "marketing-engine-vnet"
  location            = "westeurope"
  resource_group_name = "rg-marketing"
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "api" {
  name                 = "api-subnet"
  resource_group_name  = "rg-marketing"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.0.1.0/24"]
}
