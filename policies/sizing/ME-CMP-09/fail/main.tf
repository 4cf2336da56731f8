resource "google_container_node_pool" "api" {
  name       = "api-pool"
  cluster    = "marketing-engine"
  node_count = 3

  node_config {
    machine_type = "e2-standard-2"
    labels = {
      tier = "api"
    }
  }
}

resource "aws_ecs_task_definition" "worker" {
  family                   = "marketing-engine-worker"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "1024"
  memory                   = "2048"
  container_definitions    = jsonencode([{ name = "worker", image = "marketingengine/worker:1.4.2" }])
}

resource "aws_db_instance" "postgres" {
  identifier        = "marketing-engine"
  engine            = "postgres"
  instance_class    = "db.t3.large"
  allocated_storage = 500
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id = "marketing-engine-redis"
  description          = "cache"
  node_type            = "cache.t3.medium"
  num_cache_clusters   = 3
}
