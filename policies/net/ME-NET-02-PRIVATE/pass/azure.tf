resource "azurerm_subnet" "database" {
  name                 = "database-subnet"
  resource_group_name  = "rg-marketing"
  virtual_network_name = "marketing-engine-vnet"
  address_prefixes     = ["10.0.10.0/24"]

  delegation {
    name = "postgres"
    service_delegation {
      name = "Microsoft.DBforPostgreSQL/flexibleServers"
    }
  }
}

resource "azurerm_private_dns_zone" "postgres" {
  name                = "marketing-engine.private.postgres.database.azure.com"
  resource_group_name = "rg-marketing"
}

resource "azurerm_postgresql_flexible_server" "main" {
  name                          = "marketing-engine-pg"
  version                       = "15"
  delegated_subnet_id           = azurerm_subnet.database.id
  private_dns_zone_id           = azurerm_private_dns_zone.postgres.id
  public_network_access_enabled = false
}

resource "azurerm_redis_cache" "cache" {
  name                          = "marketing-engine-cache"
  location                      = "westeurope"
  resource_group_name           = "rg-marketing"
  capacity                      = 1
  family                        = "P"
  sku_name                      = "Premium"
  public_network_access_enabled = false
}

resource "azurerm_private_endpoint" "cache" {
  name                = "cache-endpoint"
  location            = "westeurope"
  resource_group_name = "rg-marketing"
  subnet_id           = "/subscriptions/s/resourceGroups/rg-marketing/providers/Microsoft.Network/virtualNetworks/v/subnets/api"

  private_service_connection {
    name                           = "cache"
    private_connection_resource_id = azurerm_redis_cache.cache.id
    subresource_names              = ["redisCache"]
    is_manual_connection           = false
  }
}
