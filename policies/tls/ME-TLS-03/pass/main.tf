resource "aws_rds_cluster_parameter_group" "pg15" {
  name   = "marketing-engine-pg15"
  family = "aurora-postgresql15"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }
}

resource "aws_rds_cluster" "main" {
  cluster_identifier              = "marketing-engine"
  engine                          = "aurora-postgresql"
  engine_version                  = "15.4"
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.pg15.name
}

# RDS for PostgreSQL 15 and later force TLS in the default parameter group.
resource "aws_db_instance" "orders" {
  engine         = "postgres"
  engine_version = "15.5"
  instance_class = "db.r6g.xlarge"
}

resource "google_sql_database_instance" "main" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-8-32768"
    ip_configuration {
      ipv4_enabled    = false
      private_network = "projects/marketing/global/networks/vpc"
      ssl_mode        = "ENCRYPTED_ONLY"
    }
  }
}

resource "azurerm_postgresql_flexible_server" "main" {
  name    = "marketing-engine-pg"
  version = "15"
}

resource "azurerm_postgresql_flexible_server_configuration" "tls" {
  name      = "require_secure_transport"
  server_id = azurerm_postgresql_flexible_server.main.id
  value     = "on"
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
