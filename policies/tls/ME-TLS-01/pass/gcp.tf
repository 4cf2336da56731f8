resource "google_compute_url_map" "redirect" {
  name = "redirect"
  default_url_redirect {
    https_redirect = true
    strip_query    = false
  }
}

resource "google_compute_target_http_proxy" "redirect" {
  name    = "redirect-http"
  url_map = google_compute_url_map.redirect.id
}

resource "google_compute_url_map" "web" {
  name            = "web"
  default_service = "projects/p/global/backendServices/api"
}

resource "google_compute_target_https_proxy" "web" {
  name             = "web-https"
  url_map          = google_compute_url_map.web.id
  ssl_certificates = ["projects/p/global/sslCertificates/web"]
}
