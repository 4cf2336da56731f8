# No versioning resource at all.
resource "aws_s3_bucket" "backups" {
  bucket = "marketing-engine-backups"
}

resource "aws_s3_bucket_lifecycle_configuration" "backups" {
  bucket = aws_s3_bucket.backups.id
  rule {
    id     = "expire"
    status = "Enabled"
    filter {}
    expiration {
      days = 90
    }
  }
}

# Versioned, but public access is only partly blocked.
resource "aws_s3_bucket" "db_backup" {
  bucket = "db-backup-archive"
}

resource "aws_s3_bucket_versioning" "db_backup" {
  bucket = aws_s3_bucket.db_backup.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "db_backup" {
  bucket                  = aws_s3_bucket.db_backup.id
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# Provider v3 inline blocks: versioned, but dumps expire after a week.
resource "aws_s3_bucket" "legacy_backups" {
  bucket = "legacy-backups"
  versioning {
    enabled = true
  }
  lifecycle_rule {
    enabled = true
    expiration {
      days = 7
    }
  }
}
