resource "google_redis_instance" "basic" {
  name           = "basic"
  memory_size_gb = 16
}

resource "google_redis_instance" "one_replica" {
  name           = "one-replica"
  memory_size_gb = 16
  tier           = "STANDARD_HA"
}

resource "azurerm_redis_cache" "standard" {
  name                = "standard"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 2
  family              = "C"
  sku_name            = "Standard"
}

# replica_count defaults to 0: no replica to fail over to.
resource "google_redis_cluster" "no_replicas" {
  name        = "no-replicas"
  shard_count = 3
}

resource "google_redis_cluster" "one_replica" {
  name          = "one-replica"
  shard_count   = 3
  replica_count = 1
}
