resource "google_compute_backend_service" "api" {
  name        = "api"
  protocol    = "HTTP"
  enable_cdn  = true
  port_name   = "http"
  timeout_sec = 30
}

resource "google_compute_url_map" "web" {
  name            = "marketing-engine"
  default_service = google_compute_backend_service.api.id
}

resource "google_compute_managed_ssl_certificate" "api" {
  name = "api"
  managed {
    domains = ["api.marketingengine.io"]
  }
}

resource "google_compute_target_https_proxy" "web" {
  name             = "marketing-engine-https"
  url_map          = google_compute_url_map.web.id
  ssl_certificates = [google_compute_managed_ssl_certificate.api.id]
}

resource "google_compute_url_map" "redirect" {
  name = "marketing-engine-redirect"
  default_url_redirect {
    https_redirect         = true
    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"
    strip_query            = false
  }
}

resource "google_compute_target_http_proxy" "redirect" {
  name    = "marketing-engine-http"
  url_map = google_compute_url_map.redirect.id
}
