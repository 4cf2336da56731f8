resource "azurerm_application_gateway" "plain" {
  name                = "plain-appgw"
  resource_group_name = "rg"
  location            = "westeurope"

  sku {
    name = "Standard_v2"
    tier = "Standard_v2"
  }

  http_listener {
    name                           = "http"
    frontend_ip_configuration_name = "public"
    frontend_port_name             = "http"
    protocol                       = "Http"
  }

  request_routing_rule {
    name                       = "api"
    rule_type                  = "Basic"
    http_listener_name         = "http"
    backend_address_pool_name  = "api"
    backend_http_settings_name = "api"
    priority                   = 100
  }
}
