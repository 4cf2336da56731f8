resource "aws_elasticache_replication_group" "redis" {
  replication_group_id       = "marketing-engine-redis"
  description                = "sessions and queues"
  engine                     = "redis"
  node_type                  = "cache.r6g.xlarge"
  num_node_groups            = 1
  replicas_per_node_group    = 2
  automatic_failover_enabled = true
}

resource "google_redis_cluster" "cache" {
  name        = "marketing-engine-cache"
  region      = "us-central1"
  shard_count = 3
  node_type   = "REDIS_HIGHMEM_XLARGE"

  psc_configs {
    network = "projects/p/global/networks/vpc"
  }
}

resource "azurerm_redis_cache" "cache" {
  name                = "marketing-engine-cache"
  location            = "westeurope"
  resource_group_name = "rg"
  family              = "P"
  capacity            = 3
  sku_name            = "Premium"
  shard_count         = 3
  replicas_per_primary = 0
}
