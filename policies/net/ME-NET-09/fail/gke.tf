# Routes-based: no ip_allocation_policy.
resource "google_container_cluster" "legacy" {
  name               = "legacy"
  location           = "europe-west1"
  initial_node_count = 3
}

resource "google_compute_subnetwork" "gke" {
  name          = "gke"
  ip_cidr_range = "10.0.20.0/24"
  network       = "marketing-engine-vpc"

  secondary_ip_range {
    range_name    = "pods"
    ip_cidr_range = "10.4.0.0/14"
  }

  secondary_ip_range {
    range_name    = "services"
    ip_cidr_range = "10.2.0.0/16"
  }
}

resource "google_container_cluster" "other_ranges" {
  name               = "other-ranges"
  location           = "europe-west1"
  initial_node_count = 1
  subnetwork         = google_compute_subnetwork.gke.name

  ip_allocation_policy {
    cluster_secondary_range_name  = "pods"
    services_secondary_range_name = "services"
  }
}
