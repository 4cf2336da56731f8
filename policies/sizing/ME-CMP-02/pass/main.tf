resource "google_container_node_pool" "workers" {
  name    = "worker-pool"
  cluster = "marketing-engine"

  autoscaling {
    min_node_count = 2
    max_node_count = 6
  }

  node_config {
    machine_type = "e2-standard-2"
    labels = {
      tier = "worker"
    }
  }
}

resource "aws_ecs_task_definition" "worker" {
  family                   = "marketing-engine-worker"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "2048"
  memory                   = "8192"
  container_definitions    = jsonencode([{ name = "worker", image = "marketingengine/worker:1.4.2" }])
}

resource "aws_ecs_service" "worker" {
  name          = "worker"
  desired_count = 2
}
