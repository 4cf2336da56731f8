resource "azurerm_application_security_group" "api" {
  name                = "asg-api"
  location            = "westeurope"
  resource_group_name = "rg-marketing"
}

resource "azurerm_network_security_group" "main" {
  name                = "nsg-marketing-engine"
  location            = "westeurope"
  resource_group_name = "rg-marketing"

  security_rule {
    name                       = "allow-https"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "443"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }

  security_rule {
    name                                  = "allow-postgres-from-api"
    priority                              = 200
    direction                             = "Inbound"
    access                                = "Allow"
    protocol                              = "Tcp"
    source_port_range                     = "*"
    destination_port_range                = "5432"
    source_application_security_group_ids = [azurerm_application_security_group.api.id]
    destination_address_prefix            = "10.0.10.0/24"
  }

  security_rule {
    name                       = "deny-all"
    priority                   = 4096
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}
