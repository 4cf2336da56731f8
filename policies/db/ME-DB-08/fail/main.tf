resource "aws_rds_cluster" "plain" {
  engine = "aurora-postgresql"
}

resource "aws_db_instance" "unprotected" {
  engine            = "postgres"
  instance_class    = "db.r6g.xlarge"
  storage_encrypted = true
}

# Terraform's deletion_protection (default true) guards only `terraform destroy`.
resource "google_sql_database_instance" "api_deletable" {
  name             = "events"
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-4-16384"
  }
}

resource "azurerm_postgresql_flexible_server" "unlocked" {
  name    = "pg"
  version = "15"
}

# The lock on this server does not protect "unlocked" above (locks are matched by scope).
resource "azurerm_postgresql_flexible_server" "other" {
  name    = "pg-other"
  version = "15"
}

resource "azurerm_management_lock" "other" {
  name       = "other"
  scope      = azurerm_postgresql_flexible_server.other.id
  lock_level = "CanNotDelete"
}
