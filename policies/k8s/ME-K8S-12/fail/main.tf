# The guide's GKE cluster: the network policy add-on is on, but without a network_policy block
# (or Dataplane V2) the cluster does not enforce NetworkPolicy objects.
resource "google_container_cluster" "primary" {
  name     = "marketing-engine-cluster"
  location = "us-central1"

  remove_default_node_pool = true
  initial_node_count       = 1

  workload_identity_config {
    workload_pool = "my-project.svc.id.goog"
  }

  addons_config {
    network_policy_config {
      disabled = false
    }
  }
}

resource "google_container_cluster" "legacy" {
  name               = "legacy"
  location           = "us-central1"
  initial_node_count = 3
  datapath_provider  = "ADVANCED_DATAPATH"
}

resource "google_container_node_pool" "spot" {
  name    = "spot-pool"
  cluster = google_container_cluster.primary.name

  node_config {
    machine_type = "n2-standard-4"
    spot         = true
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "batch" {
  name                  = "batch"
  kubernetes_cluster_id = "aks-id"
  vm_size               = "Standard_D4s_v3"
  priority              = "Spot"
}
