variable "master_password" {
  type    = string
  default = "Spring2024-example"
}

resource "aws_rds_cluster" "events" {
  engine          = "aurora-postgresql"
  master_username = "events"
  master_password = var.master_password
}

resource "aws_db_instance" "orders" {
  engine         = "postgres"
  instance_class = "db.r6g.xlarge"
  username       = "orders"
  password       = "example-literal-password"
}

resource "google_sql_user" "app" {
  name     = "marketing"
  instance = "marketing-engine-postgres"
  password = "example-literal-password"
}

resource "azurerm_postgresql_flexible_server" "main" {
  name                   = "pg"
  version                = "15"
  administrator_login    = "marketing"
  administrator_password = "example-literal-password"
}
