resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 500
  type              = "gp3"
}

resource "aws_db_instance" "postgres" {
  identifier        = "marketing-engine"
  engine            = "postgres"
  instance_class    = "db.m6i.2xlarge"
  allocated_storage = 500
}

resource "google_compute_disk" "data" {
  name = "timescale-data"
  type = "pd-ssd"
  size = 1024
}

resource "google_sql_database_instance" "postgres" {
  name             = "marketing-engine-postgres"
  database_version = "POSTGRES_15"

  settings {
    tier = "db-custom-8-32768"
  }
}

resource "google_container_node_pool" "api" {
  name    = "api-pool"
  cluster = "marketing-engine"

  node_config {
    machine_type = "n2-standard-4"
    disk_type    = "pd-balanced"
  }
}

resource "azurerm_managed_disk" "data" {
  name                 = "timescale-data"
  location             = "westeurope"
  resource_group_name  = "rg"
  storage_account_type = "Premium_LRS"
  create_option        = "Empty"
  disk_size_gb         = 1024
}
