# t3.large bursts to 5 Gbit/s but keeps up only 0.512 Gbit/s (the guide's own <1M tier type).
resource "aws_instance" "api" {
  ami           = "ami-0abcdef1234567890"
  instance_type = "t3.large"
}

resource "azurerm_linux_virtual_machine" "worker" {
  name                  = "worker-1"
  resource_group_name   = "rg"
  location              = "westeurope"
  size                  = "Standard_DS1_v2"
  admin_username        = "ops"
  network_interface_ids = ["nic-1"]

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }
}
