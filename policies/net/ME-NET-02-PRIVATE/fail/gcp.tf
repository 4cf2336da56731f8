resource "google_compute_network" "default" {
  name = "default"
}

resource "google_sql_database_instance" "public_only" {
  name             = "events"
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-4-16384"
    ip_configuration {
      ipv4_enabled = false
    }
  }
}

resource "google_redis_instance" "default_network" {
  name               = "cache"
  memory_size_gb     = 4
  authorized_network = google_compute_network.default.id
}
