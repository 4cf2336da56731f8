# enable_dns_hostnames defaults to false
resource "aws_vpc" "other_range" {
  cidr_block = "172.16.0.0/16"
}

resource "aws_default_vpc" "default" {
  tags = {
    Name = "Default VPC"
  }
}

# auto_create_subnetworks defaults to true
resource "google_compute_network" "auto" {
  name = "auto-mode"
}

resource "google_compute_network" "custom" {
  name                    = "custom"
  auto_create_subnetworks = false
}

resource "google_compute_subnetwork" "outside" {
  name          = "outside"
  ip_cidr_range = "192.168.1.0/24"
  network       = google_compute_network.custom.id
}

resource "azurerm_virtual_network" "other" {
  name                = "other-vnet"
  location            = "westeurope"
  resource_group_name = "rg"
  address_space       = ["10.1.0.0/16"]
}
