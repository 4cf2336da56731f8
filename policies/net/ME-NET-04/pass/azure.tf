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

resource "azurerm_subnet" "database" {
  name                 = "database-subnet"
  resource_group_name  = "rg-marketing"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.0.10.0/24"]

  delegation {
    name = "postgres"
    service_delegation {
      name = "Microsoft.DBforPostgreSQL/flexibleServers"
    }
  }
}

resource "azurerm_nat_gateway" "main" {
  name                = "marketing-engine-nat"
  location            = "westeurope"
  resource_group_name = "rg-marketing"
  sku_name            = "Standard"
}

resource "azurerm_subnet_nat_gateway_association" "api" {
  subnet_id      = azurerm_subnet.api.id
  nat_gateway_id = azurerm_nat_gateway.main.id
}
