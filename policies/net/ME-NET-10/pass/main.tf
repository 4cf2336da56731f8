resource "aws_instance" "api" {
  ami           = "ami-0abcdef1234567890"
  instance_type = "m5.xlarge"
}

resource "google_container_node_pool" "api" {
  name    = "api-pool"
  cluster = "marketing-engine"

  node_config {
    machine_type = "n1-standard-4"
  }
}

resource "azurerm_linux_virtual_machine" "worker" {
  name                  = "worker-1"
  resource_group_name   = "rg"
  location              = "westeurope"
  size                  = "Standard_D2s_v3"
  admin_username        = "ops"
  network_interface_ids = ["nic-1"]

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }
}
