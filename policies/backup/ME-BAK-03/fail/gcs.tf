resource "google_storage_bucket" "backups" {
  name     = "me-backups"
  location = "US"
  versioning {
    enabled = true
  }
  lifecycle_rule {
    action {
      type = "Delete"
    }
    condition {
      age = 30
    }
  }
}
