resource "google_compute_firewall" "postgres_public" {
  name          = "postgres-public"
  network       = "marketing-engine-vpc"
  source_ranges = ["0.0.0.0/0"]

  allow {
    protocol = "tcp"
    ports    = ["5432"]
  }
}

# No source at all: GCP applies 0.0.0.0/0.
resource "google_compute_firewall" "ssh" {
  name    = "allow-ssh"
  network = "marketing-engine-vpc"

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}
