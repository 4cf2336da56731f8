resource "google_container_node_pool" "api" {
  name       = "api-pool"
  cluster    = "marketing-engine"
  node_count = 3

  node_config {
    machine_type = "n1-standard-4"
    labels = {
      tier = "api"
    }
  }
}

resource "google_container_node_pool" "api_small_disk" {
  name       = "api-pool-b"
  cluster    = "marketing-engine"
  node_count = 3

  node_config {
    machine_type = "n2-standard-8"
    disk_size_gb = 30
    labels = {
      tier = "api"
    }
  }
}

resource "azurerm_kubernetes_cluster" "main" {
  name                = "marketing-engine-aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "me"

  default_node_pool {
    name            = "api"
    vm_size         = "Standard_D4s_v3"
    os_disk_size_gb = 128
    node_count      = 2
  }
}

resource "aws_ecs_task_definition" "api" {
  family                   = "marketing-engine-api"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "2048"
  memory                   = "8192"
  container_definitions    = jsonencode([{ name = "api", image = "marketingengine/api:1.4.2" }])
}

resource "aws_ecs_service" "api" {
  name          = "api"
  cluster       = "marketing-engine-cluster"
  desired_count = 2
}

resource "aws_instance" "api" {
  count         = 2
  ami           = "ami-0abcdef1234567890"
  instance_type = "m6i.xlarge"

  root_block_device {
    volume_size = 50
  }

  tags = {
    Component = "api"
  }
}
