resource "google_container_cluster" "primary" {
  name                     = "marketing-engine-cluster"
  location                 = "us-central1"
  remove_default_node_pool = true
  initial_node_count       = 1

  workload_identity_config {
    workload_pool = "my-project.svc.id.goog"
  }

  network_policy {
    enabled  = true
    provider = "CALICO"
  }

  addons_config {
    network_policy_config {
      disabled = false
    }
  }
}

resource "google_container_node_pool" "api" {
  name    = "api-pool"
  cluster = google_container_cluster.primary.name

  node_config {
    machine_type = "n2-standard-4"
    preemptible  = false
  }
}

resource "azurerm_kubernetes_cluster" "main" {
  name                = "marketing-engine-aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "me"

  default_node_pool {
    name    = "system"
    vm_size = "Standard_D4s_v3"
  }

  network_profile {
    network_plugin = "azure"
    network_policy = "azure"
  }
}

# Autopilot manages its own nodes and add-ons.
resource "google_container_cluster" "autopilot" {
  name             = "marketing-engine-autopilot"
  location         = "us-central1"
  enable_autopilot = true
}
