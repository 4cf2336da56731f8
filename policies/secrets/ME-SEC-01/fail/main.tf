variable "db_password" {
  type    = string
  default = "Tf-Default-Passw0rd"
}

resource "aws_db_instance" "db" {
  engine   = "postgres"
  password = "Inline-Passw0rd-123"
}
