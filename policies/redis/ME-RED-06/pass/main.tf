resource "aws_elasticache_replication_group" "cache" {
  replication_group_id    = "cache"
  description             = "cache"
  num_node_groups         = 3
  replicas_per_node_group = 2
}

resource "azurerm_redis_cache" "cache" {
  name                = "cache"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 2
  family              = "P"
  sku_name            = "Premium"
  shard_count         = 3
}

resource "google_redis_cluster" "three_shards" {
  name          = "three-shards"
  shard_count   = 3
  replica_count = 2
}
