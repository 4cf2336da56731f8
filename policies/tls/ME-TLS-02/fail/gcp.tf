resource "google_compute_target_https_proxy" "default_policy" {
  name             = "no-ssl-policy"
  url_map          = "projects/p/global/urlMaps/web"
  ssl_certificates = ["projects/p/global/sslCertificates/api"]
}

resource "google_compute_ssl_policy" "compatible" {
  name            = "compatible"
  profile         = "COMPATIBLE"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_target_https_proxy" "compatible" {
  name             = "compatible-profile"
  url_map          = "projects/p/global/urlMaps/web"
  ssl_certificates = ["projects/p/global/sslCertificates/api"]
  ssl_policy       = google_compute_ssl_policy.compatible.id
}
