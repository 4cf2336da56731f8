resource "azurerm_application_gateway" "main" {
  name                = "marketing-engine-appgw"
  resource_group_name = "rg-marketing"
  location            = "westeurope"
  zones               = ["1", "2", "3"]

  sku {
    name = "WAF_v2"
    tier = "WAF_v2"
  }

  frontend_port {
    name = "https"
    port = 443
  }

  frontend_port {
    name = "http"
    port = 80
  }

  ssl_certificate {
    name                = "api"
    key_vault_secret_id = "https://kv-marketing.vault.azure.net/secrets/api-tls"
  }

  http_listener {
    name                           = "https"
    frontend_ip_configuration_name = "public"
    frontend_port_name             = "https"
    protocol                       = "Https"
    ssl_certificate_name           = "api"
  }

  http_listener {
    name                           = "http"
    frontend_ip_configuration_name = "public"
    frontend_port_name             = "http"
    protocol                       = "Http"
  }

  redirect_configuration {
    name                 = "http-to-https"
    redirect_type        = "Permanent"
    target_listener_name = "https"
  }

  request_routing_rule {
    name                       = "api"
    rule_type                  = "Basic"
    http_listener_name         = "https"
    backend_address_pool_name  = "api"
    backend_http_settings_name = "api"
    priority                   = 100
  }

  request_routing_rule {
    name                        = "redirect"
    rule_type                   = "Basic"
    http_listener_name          = "http"
    redirect_configuration_name = "http-to-https"
    priority                    = 200
  }
}
