resource "google_sql_database_instance" "postgres" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"

  settings {
    tier      = "db-custom-8-32768"
    disk_size = 512
  }
}

resource "azurerm_postgresql_flexible_server" "main" {
  name                = "marketing-engine-pg"
  resource_group_name = "rg"
  location            = "westeurope"
  version             = "15"
  sku_name            = "GP_Standard_D8ds_v4"
  storage_mb          = 524288
}

resource "aws_db_instance" "primary" {
  identifier        = "marketing-engine"
  engine            = "postgres"
  instance_class    = "db.m6i.2xlarge"
  allocated_storage = 512
}

# A read replica and a MySQL database are not the PostgreSQL primary.
resource "aws_db_instance" "replica" {
  identifier          = "marketing-engine-replica"
  replicate_source_db = "marketing-engine"
  instance_class      = "db.r6g.large"
}

resource "aws_db_instance" "reporting" {
  identifier     = "reporting"
  engine         = "mysql"
  instance_class = "db.t3.medium"
}
