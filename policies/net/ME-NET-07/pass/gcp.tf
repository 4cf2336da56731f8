resource "google_compute_backend_service" "api" {
  name       = "api"
  protocol   = "HTTP"
  enable_cdn = true

  cdn_policy {
    cache_mode  = "USE_ORIGIN_HEADERS"
    default_ttl = 60
  }
}

resource "google_compute_backend_bucket" "static" {
  name        = "static-assets"
  bucket_name = "marketing-engine-static"
  enable_cdn  = true
}

resource "google_compute_url_map" "web" {
  name            = "marketing-engine"
  default_service = google_compute_backend_service.api.id

  host_rule {
    hosts        = ["static.marketingengine.io"]
    path_matcher = "static"
  }

  path_matcher {
    name            = "static"
    default_service = google_compute_backend_bucket.static.id
  }
}
