resource "aws_elasticache_replication_group" "literal" {
  replication_group_id       = "literal"
  description                = "literal token"
  transit_encryption_enabled = true
  auth_token                 = "hunter2hunter2hunter2"
}

resource "google_redis_instance" "open" {
  name           = "open"
  memory_size_gb = 16
}

resource "azurerm_redis_cache" "keyless" {
  name                = "keyless"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 2
  family              = "P"
  sku_name            = "Premium"
  redis_configuration {
    authentication_enabled = false
  }
}

# authorization_mode defaults to AUTH_MODE_DISABLED: no client authentication.
resource "google_redis_cluster" "no_iam" {
  name        = "no-iam"
  shard_count = 3
}
