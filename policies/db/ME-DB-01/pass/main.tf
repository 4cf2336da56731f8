variable "pg_version" {
  type    = string
  default = "15.5"
}

resource "aws_db_instance" "orders" {
  identifier        = "orders"
  engine            = "postgres"
  engine_version    = var.pg_version
  instance_class    = "db.r6g.2xlarge"
  allocated_storage = 500
}

resource "aws_rds_cluster" "analytics" {
  cluster_identifier = "analytics"
  engine             = "aurora-postgresql"
  engine_version     = "15.4"
}

# Not PostgreSQL: the policy does not judge it.
resource "aws_rds_cluster" "legacy_cms" {
  cluster_identifier = "cms"
  engine             = "aurora-mysql"
  engine_version     = "8.0.mysql_aurora.3.05.2"
}

resource "google_sql_database_instance" "main" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"
  region           = "europe-west1"

  settings {
    tier = "db-custom-8-32768"
  }
}

resource "azurerm_postgresql_flexible_server" "main" {
  name                = "marketing-engine-pg"
  resource_group_name = "rg-marketing"
  location            = "westeurope"
  version             = "15"
  sku_name            = "GP_Standard_D8ds_v4"
}

# Not PostgreSQL, wherever the engine is written: the policy says nothing about them.
resource "aws_db_instance" "catalog" {
  engine         = "mariadb"
  engine_version = "10.6"
  instance_class = "db.r6g.2xlarge"
}

resource "google_sql_database_instance" "crm" {
  database_version = "MYSQL_8_0"
  settings {
    tier = "db-custom-8-32768"
  }
}
