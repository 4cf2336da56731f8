resource "aws_ecs_cluster" "main" {
  name = "marketing-engine-cluster"
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base              = 2
    weight            = 1
  }

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 4
  }
}

# Inherits the cluster's default strategy.
resource "aws_ecs_service" "api" {
  name          = "api"
  cluster       = aws_ecs_cluster.main.id
  desired_count = 3
}
