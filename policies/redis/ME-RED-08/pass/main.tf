resource "aws_elasticache_replication_group" "cache" {
  replication_group_id       = "cache"
  description                = "cache"
  automatic_failover_enabled = true
  num_node_groups            = 3
  replicas_per_node_group    = 2
}

resource "google_redis_instance" "cache" {
  name               = "cache"
  memory_size_gb     = 16
  tier               = "STANDARD_HA"
  replica_count      = 2
  read_replicas_mode = "READ_REPLICAS_ENABLED"
}

resource "azurerm_redis_cache" "cache" {
  name                = "cache"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 2
  family              = "P"
  sku_name            = "Premium"
  replicas_per_master = 2
}

resource "google_redis_cluster" "two_replicas" {
  name          = "two-replicas"
  shard_count   = 3
  replica_count = 2
}
