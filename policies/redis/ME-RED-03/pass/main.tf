resource "aws_elasticache_parameter_group" "redis7" {
  name   = "redis7-lru"
  family = "redis7"
  parameter {
    name  = "maxmemory-policy"
    value = "allkeys-lru"
  }
}

resource "google_redis_instance" "cache" {
  name           = "cache"
  memory_size_gb = 16
  redis_configs = {
    "maxmemory-policy" = "allkeys-lru"
  }
}

resource "azurerm_redis_cache" "cache" {
  name                = "cache"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 2
  family              = "C"
  sku_name            = "Standard"
  redis_configuration {
    maxmemory_policy = "allkeys-lru"
  }
}

# Judged through its parameter group above.
resource "aws_elasticache_replication_group" "cache" {
  replication_group_id = "cache"
  description          = "allkeys-lru through its parameter group"
  node_type            = "cache.r6g.large"
  parameter_group_name = aws_elasticache_parameter_group.redis7.name
}
