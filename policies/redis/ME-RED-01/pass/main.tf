variable "redis_auth_token" {
  type      = string
  sensitive = true
}

resource "aws_elasticache_replication_group" "cache" {
  replication_group_id       = "cache"
  description                = "cache"
  transit_encryption_enabled = true
  auth_token                 = var.redis_auth_token
}

resource "google_redis_instance" "cache" {
  name           = "cache"
  memory_size_gb = 16
  auth_enabled   = true
}

resource "azurerm_redis_cache" "cache" {
  name                = "cache"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 2
  family              = "C"
  sku_name            = "Standard"
}

# RBAC: the user group's users authenticate (ElastiCache RBAC replaces the AUTH token).
resource "aws_elasticache_replication_group" "rbac" {
  replication_group_id       = "rbac"
  description                = "RBAC user group"
  transit_encryption_enabled = true
  user_group_ids             = [aws_elasticache_user_group.app.id]
}

resource "google_redis_cluster" "iam" {
  name               = "iam"
  shard_count        = 3
  authorization_mode = "AUTH_MODE_IAM_AUTH"
}
