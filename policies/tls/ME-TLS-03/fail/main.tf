# Aurora PostgreSQL keeps rds.force_ssl at 0 in its default cluster parameter group.
resource "aws_rds_cluster" "default_params" {
  engine         = "aurora-postgresql"
  engine_version = "15.4"
}

resource "aws_db_parameter_group" "relaxed" {
  name   = "relaxed"
  family = "postgres15"

  parameter {
    name  = "rds.force_ssl"
    value = "0"
  }
}

resource "aws_db_instance" "relaxed" {
  engine               = "postgres"
  engine_version       = "15.5"
  instance_class       = "db.r6g.xlarge"
  parameter_group_name = aws_db_parameter_group.relaxed.name
}

resource "aws_db_instance" "pg14" {
  engine         = "postgres"
  engine_version = "14.10"
  instance_class = "db.r6g.xlarge"
}

resource "google_sql_database_instance" "allow_plain" {
  name             = "events"
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-4-16384"
    ip_configuration {
      ipv4_enabled    = false
      private_network = "projects/marketing/global/networks/vpc"
    }
  }
}

resource "azurerm_postgresql_flexible_server" "main" {
  name    = "pg"
  version = "15"
}

resource "azurerm_postgresql_flexible_server_configuration" "tls_off" {
  name      = "require_secure_transport"
  server_id = azurerm_postgresql_flexible_server.main.id
  value     = "off"
}
