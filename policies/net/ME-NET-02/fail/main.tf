resource "aws_db_instance" "public" {
  engine              = "postgres"
  instance_class      = "db.r6g.xlarge"
  publicly_accessible = true
}

resource "google_sql_database_instance" "default_public_ip" {
  database_version = "POSTGRES_15"
  settings {
    tier = "db-custom-8-32768"
  }
}

resource "azurerm_postgresql_flexible_server" "open" {
  name                          = "pg"
  version                       = "15"
  public_network_access_enabled = true
}
