resource "google_container_cluster" "primary" {
  name                     = "marketing-engine-cluster"
  location                 = "us-central1"
  remove_default_node_pool = true
  initial_node_count       = 1

  node_pool {
    name = "system"

    autoscaling {
      min_node_count = 3
      max_node_count = 10
    }

    node_config {
      machine_type = "n2-standard-4"
    }
  }
}

resource "google_container_node_pool" "api" {
  name    = "api-pool"
  cluster = google_container_cluster.primary.name

  autoscaling {
    min_node_count = 3
    max_node_count = 20
  }

  node_config {
    machine_type = "n1-standard-8"
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "api" {
  name                  = "apipool"
  kubernetes_cluster_id = "aks-id"
  vm_size               = "Standard_D4s_v3"
  auto_scaling_enabled  = true
  min_count             = 3
  max_count             = 10
}

resource "aws_eks_node_group" "api" {
  cluster_name    = "marketing-engine"
  node_group_name = "api"
  node_role_arn   = "arn:aws:iam::123456789012:role/eks-nodes"
  subnet_ids      = ["subnet-1", "subnet-2"]
  instance_types  = ["m5.xlarge"]

  scaling_config {
    min_size     = 3
    max_size     = 10
    desired_size = 3
  }
}
