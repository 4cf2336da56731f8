resource "google_container_node_pool" "workers" {
  name       = "worker-pool"
  cluster    = "marketing-engine"
  node_count = 2

  node_config {
    machine_type = "e2-medium"
    labels = {
      tier = "worker"
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
  desired_count = 1
}
