resource "google_compute_backend_service" "api" {
  name     = "api"
  protocol = "HTTP"
}

resource "google_compute_url_map" "web" {
  name            = "marketing-engine"
  default_service = google_compute_backend_service.api.id
}
