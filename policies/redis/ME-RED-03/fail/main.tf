resource "google_redis_instance" "defaults" {
  name           = "defaults"
  memory_size_gb = 16
}

resource "azurerm_redis_cache" "volatile" {
  name                = "volatile"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 2
  family              = "C"
  sku_name            = "Standard"
  redis_configuration {
    maxmemory_policy = "volatile-lru"
  }
}

# No parameter group: the family's default group evicts with volatile-lru.
resource "aws_elasticache_replication_group" "default_params" {
  replication_group_id = "default-params"
  description          = "default parameter group"
  node_type            = "cache.r6g.large"
}

# A parameter group that leaves maxmemory-policy out keeps the default volatile-lru.
resource "aws_elasticache_parameter_group" "unset" {
  name   = "unset"
  family = "redis7"
}

# Memcached has no maxmemory-policy: not judged.
resource "aws_elasticache_parameter_group" "memcached" {
  name   = "memcached"
  family = "memcached1.6"
}
