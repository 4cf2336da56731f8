resource "aws_elasticache_replication_group" "two" {
  replication_group_id    = "two"
  description             = "two shards"
  num_node_groups         = 2
  replicas_per_node_group = 2
}

resource "azurerm_redis_cache" "unsharded" {
  name                = "unsharded"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 2
  family              = "C"
  sku_name            = "Standard"
}

resource "google_redis_cluster" "two_shards" {
  name        = "two-shards"
  shard_count = 2
}
