resource "aws_db_instance" "replica_a" {
  identifier          = "marketing-engine-replica-a"
  replicate_source_db = "marketing-engine"
  instance_class      = "db.r6g.large"
  allocated_storage   = 500
}

resource "aws_db_instance" "replica_b" {
  identifier          = "marketing-engine-replica-b"
  replicate_source_db = "marketing-engine"
  instance_class      = "db.r6g.xlarge"
  allocated_storage   = 500
}

resource "google_sql_database_instance" "replica" {
  name                 = "marketing-engine-replica"
  database_version     = "POSTGRES_15"
  master_instance_name = "marketing-engine-postgres"

  settings {
    tier      = "db-custom-4-16384"
    disk_size = 500
  }
}
