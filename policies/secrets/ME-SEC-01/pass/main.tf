variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "db" {
  engine   = "postgres"
  password = var.db_password
}

resource "random_password" "redis" {
  length = 32
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id = "me"
  description          = "cache"
  auth_token           = random_password.redis.result
}
