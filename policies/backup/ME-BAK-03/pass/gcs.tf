resource "google_storage_bucket" "db_backups" {
  name                     = "me-db-backups"
  location                 = "US"
  public_access_prevention = "enforced"
  versioning {
    enabled = true
  }
  lifecycle_rule {
    action {
      type = "Delete"
    }
    condition {
      age = 35
    }
  }
  lifecycle_rule {
    action {
      type          = "SetStorageClass"
      storage_class = "COLDLINE"
    }
    condition {
      age = 7
    }
  }
}
