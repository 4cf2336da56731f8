resource "google_compute_url_map" "web" {
  name            = "plain"
  default_service = "projects/p/global/backendServices/api"
}

resource "google_compute_target_http_proxy" "web" {
  name    = "plain-http"
  url_map = google_compute_url_map.web.id
}
