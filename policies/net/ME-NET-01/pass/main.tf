resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name = "marketing-engine-vpc"
  }
}

resource "google_compute_network" "vpc" {
  name                    = "marketing-engine-vpc"
  auto_create_subnetworks = false
  routing_mode            = "REGIONAL"
}

resource "google_compute_subnetwork" "private" {
  name          = "private-subnet"
  ip_cidr_range = "10.0.10.0/24"
  network       = google_compute_network.vpc.id
  region        = "europe-west1"

  secondary_ip_range {
    range_name    = "pods"
    ip_cidr_range = "10.1.0.0/16"
  }
}

resource "azurerm_virtual_network" "main" {
  name                = "marketing-engine-vnet"
  location            = "westeurope"
  resource_group_name = "rg-marketing"
  address_space       = ["10.0.0.0/16"]
}
