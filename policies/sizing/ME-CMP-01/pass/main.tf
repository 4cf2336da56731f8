resource "google_container_node_pool" "api" {
  name     = "api-pool"
  cluster  = "marketing-engine"
  location = "us-central1"

  autoscaling {
    min_node_count = 3
    max_node_count = 10
  }

  node_config {
    machine_type = "n2-standard-4"
    disk_size_gb = 100
    disk_type    = "pd-ssd"
    labels = {
      tier = "api"
    }
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "api" {
  name                  = "apipool"
  kubernetes_cluster_id = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks"
  vm_size               = "Standard_D4s_v3"
  os_disk_size_gb       = 128
  auto_scaling_enabled  = true
  min_count             = 3
  max_count             = 10
}

resource "aws_ecs_task_definition" "api" {
  family                   = "marketing-engine-api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "4096"
  memory                   = "16384"

  ephemeral_storage {
    size_in_gib = 50
  }

  container_definitions = jsonencode([{ name = "api", image = "marketingengine/api:1.4.2" }])
}

resource "aws_ecs_service" "api" {
  name            = "api"
  cluster         = "marketing-engine-cluster"
  task_definition = aws_ecs_task_definition.api.arn
  desired_count   = 3
}

resource "aws_instance" "api" {
  count         = 3
  ami           = "ami-0abcdef1234567890"
  instance_type = "m6i.xlarge"

  root_block_device {
    volume_size = 50
    volume_type = "gp3"
  }

  tags = {
    Name      = "marketing-engine-api"
    Component = "api"
  }
}
