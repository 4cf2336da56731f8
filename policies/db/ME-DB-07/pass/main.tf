resource "aws_db_instance" "orders" {
  identifier              = "orders"
  engine                  = "postgres"
  instance_class          = "db.r6g.2xlarge"
  backup_retention_period = 30
}

resource "aws_db_instance_automated_backups_replication" "orders" {
  provider               = aws.eu_central_1
  source_db_instance_arn = aws_db_instance.orders.arn
  retention_period       = 14
}

resource "aws_rds_cluster" "main" {
  cluster_identifier = "marketing-engine"
  engine             = "aurora-postgresql"
}

resource "aws_backup_vault" "dr" {
  provider = aws.eu_central_1
  name     = "dr-vault"
}

resource "aws_backup_plan" "daily" {
  name = "daily-with-dr-copy"

  rule {
    rule_name         = "daily"
    target_vault_name = "primary"
    schedule          = "cron(0 3 * * ? *)"

    copy_action {
      destination_vault_arn = aws_backup_vault.dr.arn
      lifecycle {
        delete_after = 30
      }
    }
  }
}

resource "aws_backup_selection" "databases" {
  name         = "databases"
  plan_id      = aws_backup_plan.daily.id
  iam_role_arn = "arn:aws:iam::123456789012:role/backup"
  resources    = [aws_rds_cluster.main.arn]
}

resource "google_sql_database_instance" "main" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-8-32768"
    backup_configuration {
      enabled  = true
      location = "eu"
    }
  }
}

resource "azurerm_postgresql_flexible_server" "main" {
  name                         = "marketing-engine-pg"
  version                      = "15"
  geo_redundant_backup_enabled = true
}
