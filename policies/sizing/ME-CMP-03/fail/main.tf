resource "google_compute_instance" "analytics" {
  count        = 2
  name         = "analytics-${count.index}"
  machine_type = "n2-standard-4"
  zone         = "us-central1-a"

  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-12"
      size  = 100
    }
  }

  network_interface {
    network = "default"
  }
}
