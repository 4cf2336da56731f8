resource "aws_rds_cluster" "single_region" {
  engine = "aurora-postgresql"
}

resource "aws_db_instance" "local_copies_only" {
  engine         = "postgres"
  instance_class = "db.r6g.xlarge"
}

# A plan without a copy action keeps the recovery points in the same region.
resource "aws_backup_plan" "local" {
  name = "local"
  rule {
    rule_name         = "daily"
    target_vault_name = "primary"
    schedule          = "cron(0 3 * * ? *)"
  }
}

resource "aws_backup_selection" "local" {
  name         = "local"
  plan_id      = aws_backup_plan.local.id
  iam_role_arn = "arn:aws:iam::123456789012:role/backup"
  resources    = [aws_db_instance.local_copies_only.arn]
}

resource "google_sql_database_instance" "regional_backups" {
  name             = "events"
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-4-16384"
    backup_configuration {
      enabled  = true
      location = "europe-west1"
    }
  }
}

resource "azurerm_postgresql_flexible_server" "local" {
  name    = "pg"
  version = "15"
}
