variable "admin_password" {
  type      = string
  sensitive = true
}

resource "random_password" "orders" {
  length  = 32
  special = false
}

resource "aws_rds_cluster" "main" {
  cluster_identifier          = "marketing-engine"
  engine                      = "aurora-postgresql"
  master_username             = "marketing"
  manage_master_user_password = true
}

resource "aws_db_instance" "orders" {
  engine         = "postgres"
  instance_class = "db.r6g.xlarge"
  username       = "orders"
  password       = random_password.orders.result
}

data "google_secret_manager_secret_version" "db" {
  secret = "marketing-engine-db-password"
}

resource "google_sql_database_instance" "main" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-8-32768"
  }
}

resource "google_sql_user" "app" {
  name     = "marketing"
  instance = google_sql_database_instance.main.name
  password = data.google_secret_manager_secret_version.db.secret_data
}

resource "azurerm_postgresql_flexible_server" "main" {
  name                   = "marketing-engine-pg"
  version                = "15"
  administrator_login    = "marketing"
  administrator_password = var.admin_password
}

# random_id's hex is generated at apply time like random_password's result: not written in the files.
resource "random_id" "reporting" {
  byte_length = 16
}

resource "google_sql_user" "reporting" {
  name     = "reporting"
  instance = google_sql_database_instance.main.name
  password = random_id.reporting.hex
}
