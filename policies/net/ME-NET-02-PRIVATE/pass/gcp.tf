resource "google_compute_network" "vpc" {
  name                    = "marketing-engine-vpc"
  auto_create_subnetworks = false
}

resource "google_sql_database_instance" "main" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-8-32768"
    ip_configuration {
      ipv4_enabled    = false
      private_network = google_compute_network.vpc.id
    }
  }
}

resource "google_redis_instance" "cache" {
  name               = "marketing-engine-cache"
  memory_size_gb     = 16
  authorized_network = google_compute_network.vpc.id
  connect_mode       = "PRIVATE_SERVICE_ACCESS"
}
