resource "google_compute_firewall" "lb_https" {
  name          = "allow-https"
  network       = "marketing-engine-vpc"
  source_ranges = ["0.0.0.0/0"]
  target_tags   = ["lb"]

  allow {
    protocol = "tcp"
    ports    = ["443", "80"]
  }
}

# Google's load balancer and health-check ranges reach the API port.
resource "google_compute_firewall" "health_checks" {
  name          = "allow-health-checks"
  network       = "marketing-engine-vpc"
  source_ranges = ["130.211.0.0/22", "35.191.0.0/16"]
  target_tags   = ["api"]

  allow {
    protocol = "tcp"
    ports    = ["3000"]
  }
}

resource "google_compute_firewall" "postgres_from_api" {
  name        = "allow-postgres-from-api"
  network     = "marketing-engine-vpc"
  source_tags = ["api"]
  target_tags = ["postgres"]

  allow {
    protocol = "tcp"
    ports    = ["5432"]
  }
}
