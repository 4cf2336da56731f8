resource "azurerm_public_ip" "appgw" {
  name                = "appgw-ip"
  location            = "westeurope"
  resource_group_name = "rg-marketing"
  allocation_method   = "Static"
  sku                 = "Standard"
  domain_name_label   = "marketing-engine-origin"
}

resource "azurerm_application_gateway" "main" {
  name                = "marketing-engine-appgw"
  resource_group_name = "rg-marketing"
  location            = "westeurope"

  sku {
    name = "WAF_v2"
    tier = "WAF_v2"
  }

  frontend_ip_configuration {
    name                 = "public"
    public_ip_address_id = azurerm_public_ip.appgw.id
  }
}

resource "azurerm_cdn_frontdoor_profile" "main" {
  name                = "marketing-engine-fd"
  resource_group_name = "rg-marketing"
  sku_name            = "Premium_AzureFrontDoor"
}

resource "azurerm_cdn_frontdoor_origin_group" "api" {
  name                     = "api"
  cdn_frontdoor_profile_id = azurerm_cdn_frontdoor_profile.main.id

  load_balancing {}
}

resource "azurerm_cdn_frontdoor_origin" "appgw" {
  name                           = "appgw"
  cdn_frontdoor_origin_group_id  = azurerm_cdn_frontdoor_origin_group.api.id
  host_name                      = azurerm_public_ip.appgw.fqdn
  certificate_name_check_enabled = true
  enabled                        = true
}
