resource "aws_elasticache_replication_group" "plain" {
  replication_group_id = "plain"
  description          = "no TLS"
  node_type            = "cache.r6g.large"
}

resource "aws_elasticache_cluster" "single" {
  cluster_id      = "single"
  engine          = "redis"
  node_type       = "cache.t4g.medium"
  num_cache_nodes = 1
}

resource "google_redis_instance" "plain" {
  name           = "plain"
  memory_size_gb = 4
}

resource "azurerm_redis_cache" "open_port" {
  name                 = "open-port"
  location             = "westeurope"
  resource_group_name  = "rg"
  capacity             = 1
  family               = "C"
  sku_name             = "Standard"
  non_ssl_port_enabled = true
}
