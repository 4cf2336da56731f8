resource "azurerm_postgresql_flexible_server" "primary" {
  name                = "marketing-engine-postgres"
  resource_group_name = "marketing-engine"
  location            = "westeurope"
  version             = "15"
  sku_name            = "GP_Standard_D8ds_v4"
  storage_mb          = 524288
  zone                = "1"
}

resource "azurerm_postgresql_flexible_server" "replica" {
  count               = 2
  name                = "marketing-engine-replica-${count.index}"
  resource_group_name = "marketing-engine"
  location            = "westeurope"
  version             = "15"
  create_mode         = "Replica"
  source_server_id    = azurerm_postgresql_flexible_server.primary.id
  sku_name            = "GP_Standard_D4ds_v4"
  storage_mb          = 524288
  zone                = "2"
}
