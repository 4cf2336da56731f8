resource "google_compute_instance_template" "timescaledb" {
  name_prefix  = "timescaledb-"
  machine_type = "n2-standard-8"
  region       = "us-central1"

  disk {
    source_image = "debian-cloud/debian-12"
    boot         = true
    auto_delete  = true
    disk_size_gb = 50
    disk_type    = "pd-ssd"
  }

  disk {
    device_name  = "pgdata"
    auto_delete  = false
    boot         = false
    disk_size_gb = 500
    disk_type    = "pd-ssd"
  }

  network_interface {
    subnetwork = "projects/marketing-engine/regions/us-central1/subnetworks/data"
  }

  labels = {
    app = "timescaledb"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "google_compute_region_instance_group_manager" "timescaledb" {
  name               = "timescaledb"
  base_instance_name = "timescaledb"
  region             = "us-central1"
  target_size        = 1

  version {
    instance_template = google_compute_instance_template.timescaledb.self_link_unique
  }

  # The data disk follows each instance through repairs and updates.
  stateful_disk {
    device_name = "pgdata"
    delete_rule = "NEVER"
  }
}
