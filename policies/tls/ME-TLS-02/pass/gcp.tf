resource "google_compute_ssl_policy" "modern" {
  name            = "modern-tls12"
  profile         = "MODERN"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_url_map" "web" {
  name            = "marketing-engine"
  default_service = "projects/p/global/backendServices/api"
}

resource "google_compute_target_https_proxy" "web" {
  name             = "marketing-engine-https"
  url_map          = google_compute_url_map.web.id
  ssl_certificates = ["projects/p/global/sslCertificates/api"]
  ssl_policy       = google_compute_ssl_policy.modern.id
}
