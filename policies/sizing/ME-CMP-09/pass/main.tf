# The production baseline is sized for the 1-10M requests tier: 3 x c5.xlarge API servers,
# 2 x c5.large workers, db.r5.xlarge, cache.r5.large (or their vCPU and memory on other clouds).
resource "google_container_node_pool" "api" {
  name    = "api-pool"
  cluster = "marketing-engine"

  autoscaling {
    min_node_count = 3
    max_node_count = 10
  }

  node_config {
    machine_type = "n2-standard-4"
    labels = {
      tier = "api"
    }
  }
}

resource "aws_ecs_task_definition" "worker" {
  family                   = "marketing-engine-worker"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "2048"
  memory                   = "4096"
  container_definitions    = jsonencode([{ name = "worker", image = "marketingengine/worker:1.4.2" }])
}

resource "aws_ecs_service" "worker" {
  name          = "worker"
  desired_count = 2
}

resource "aws_db_instance" "postgres" {
  identifier        = "marketing-engine"
  engine            = "postgres"
  instance_class    = "db.r5.xlarge"
  allocated_storage = 500
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id = "marketing-engine-redis"
  description          = "cache"
  node_type            = "cache.r5.large"
  num_cache_clusters   = 3
}
