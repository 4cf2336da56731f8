resource "aws_elasticache_replication_group" "redis" {
  replication_group_id = "marketing-engine-redis"
  description          = "sessions and queues"
  engine               = "redis"
  node_type            = "cache.m5.large"
  num_cache_clusters   = 3
}

resource "google_redis_instance" "cache" {
  name           = "marketing-engine-cache"
  tier           = "STANDARD_HA"
  memory_size_gb = 5
}

resource "google_redis_cluster" "cache" {
  name        = "marketing-engine-cache"
  shard_count = 1
  node_type   = "REDIS_HIGHMEM_XLARGE"
}

resource "azurerm_redis_cache" "cache" {
  name                = "marketing-engine-cache"
  location            = "westeurope"
  resource_group_name = "rg"
  family              = "C"
  capacity            = 3
  sku_name            = "Standard"
}
