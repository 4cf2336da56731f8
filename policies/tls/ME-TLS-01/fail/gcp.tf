# A target HTTP proxy serves its URL map over plain HTTP unless the map redirects to HTTPS.
resource "google_compute_url_map" "web" {
  name            = "web"
  default_service = "projects/p/global/backendServices/api"
}

resource "google_compute_target_http_proxy" "web" {
  name    = "web-http"
  url_map = google_compute_url_map.web.id
}
