resource "aws_rds_cluster" "main" {
  cluster_identifier  = "marketing-engine"
  engine              = "aurora-postgresql"
  storage_encrypted   = true
  kms_key_id          = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e"
  deletion_protection = true
}

resource "aws_db_instance" "orders" {
  engine              = "postgres"
  instance_class      = "db.r6g.2xlarge"
  storage_encrypted   = true
  deletion_protection = true
}

resource "google_sql_database_instance" "main" {
  name                = "marketing-engine-postgres"
  database_version    = "POSTGRES_15"
  deletion_protection = true

  settings {
    tier                        = "db-custom-8-32768"
    deletion_protection_enabled = true
  }
}

resource "azurerm_postgresql_flexible_server" "main" {
  name    = "marketing-engine-pg"
  version = "15"
}

resource "azurerm_management_lock" "pg" {
  name       = "pg-cannot-delete"
  scope      = azurerm_postgresql_flexible_server.main.id
  lock_level = "CanNotDelete"
  notes      = "production database"
}

# An aurora engine makes an aws_db_instance a cluster member: judged on its cluster.
resource "aws_db_instance" "aurora_member" {
  engine         = "aurora-postgresql"
  instance_class = "db.r6g.2xlarge"
}
