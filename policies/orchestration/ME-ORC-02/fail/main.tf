resource "google_container_cluster" "primary" {
  name                     = "marketing-engine-cluster"
  location                 = "us-central1"
  remove_default_node_pool = true
  initial_node_count       = 1

  node_pool {
    name       = "system"
    node_count = 3

    node_config {
      machine_type = "n2-standard-4"
    }
  }
}

resource "google_container_node_pool" "api" {
  name    = "api-pool"
  cluster = google_container_cluster.primary.name

  autoscaling {
    min_node_count = 1
    max_node_count = 10
  }

  node_config {
    machine_type = "n1-standard-4"
  }
}

resource "google_container_node_pool" "small" {
  name    = "small-pool"
  cluster = google_container_cluster.primary.name

  autoscaling {
    min_node_count = 3
    max_node_count = 10
  }

  node_config {
    machine_type = "e2-standard-2"
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "api" {
  name                  = "apipool"
  kubernetes_cluster_id = "aks-id"
  vm_size               = "Standard_D4s_v3"
  auto_scaling_enabled  = true
  min_count             = 3
  max_count             = 5
}
